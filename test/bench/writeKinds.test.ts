import { describe, expect, it } from "vitest";
import { keys } from "../../lib/storage/tableDesign.js";
import { kindOfKey } from "../../scripts/bench/writeKinds.js";

describe("the bench's item kinds (writeKinds.ts kindOfKey)", () => {
  it("names the existing-users counter and each of its sub-items alike, and other environment items by their sk", () => {
    const { pk, sk } = keys.userCount("env1");
    expect(kindOfKey(pk, sk)).toBe("counter: existing users");
    for (const n of [0, 1, 3]) expect(kindOfKey(pk, `${sk}#${n}`)).toBe("counter: existing users");
    expect(kindOfKey(keys.environment("env1").pk, "ENV")).toBe("environment ENV");
    expect(kindOfKey(pk, "COUNT#usersX")).toBe("environment COUNT#usersX");
  });
});
