import { describe, expect, it } from "vitest";
import { everyFailureSuite, FAILURE_MODES, MODES_BY_PART } from "./everyFailure.suite.js";

// Part 1 of the every-failure suite (everyFailure.suite.ts): its failure modes, the checks of the clean delivery,
// and that the parts together run every mode once.
everyFailureSuite(MODES_BY_PART[0], { checkCleanDelivery: true });

describe("the every-failure suite's parts", () => {
  it("run every failure mode, each in one part", () => {
    expect(MODES_BY_PART.flat().sort()).toEqual([...FAILURE_MODES].sort());
  });
});
