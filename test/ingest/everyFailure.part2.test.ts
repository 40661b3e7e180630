import { everyFailureSuite, MODES_BY_PART } from "./everyFailure.suite.js";

// Part 2 of the every-failure suite (everyFailure.suite.ts): its failure modes.
everyFailureSuite(MODES_BY_PART[1]);
