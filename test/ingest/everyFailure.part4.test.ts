import { everyFailureSuite, MODES_BY_PART } from "./everyFailure.suite.js";

// Part 4 of the every-failure suite (everyFailure.suite.ts): its failure modes.
everyFailureSuite(MODES_BY_PART[3]);
