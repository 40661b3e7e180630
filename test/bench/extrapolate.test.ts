import { describe, expect, it } from "vitest";
import { projectParts, wallSeconds } from "../../scripts/bench/extrapolate.js";

/** The bench's 10M extrapolation of the list parts (lib/reports/listShards.ts): their workers, shares and order. */

const part = (seconds: number, rows: number, maxRssMiB: number) => ({
  workers: 1,
  seconds,
  maxRssMiB,
  maxRows: rows,
  rows,
});

describe("extrapolation of the list parts", () => {
  const measured = [
    {
      users: 100_000,
      refresh: {
        parts: {
          "org_changes gather": part(2, 10_000, 120),
          "org_changes rows": part(3, 1_000, 130),
          org_changes: part(2, 1_000, 128),
        },
      },
    },
    {
      users: 300_000,
      refresh: {
        parts: {
          "org_changes gather": part(5, 30_000, 130),
          "org_changes rows": part(8, 3_000, 140),
          org_changes: part(6, 3_000, 140),
        },
      },
    },
  ];

  it("plans as many gathers and rows parts as the planner (⌈10M / 500,000⌉ = 20), each an equal share of the work", () => {
    const projected = projectParts(measured, 10_000_000);
    const gather = projected.find((p) => p.part === "org_changes gather");
    const rows = projected.find((p) => p.part === "org_changes rows");
    expect(gather?.workers).toBe(20);
    expect(rows?.workers).toBe(20);
    expect(rows?.after).toBe("org_changes gather");
    // A gather at 10M reads 1,000,000 / 20 = 50,000 items: along the line (10,000, 2 s)–(30,000, 5 s), 8 s.
    expect(gather?.seconds).toBeCloseTo(8, 5);
    // A whole part stays one worker, time ∝ users.
    const whole = projected.find((p) => p.part === "org_changes");
    expect(whole?.workers).toBe(1);
    expect(whole?.seconds).toBeCloseTo(200, 5);
  });

  it("rows parts start once their gathers have ended", () => {
    const projected = projectParts(measured, 10_000_000).filter((p) => p.part !== "org_changes");
    const gather = projected.find((p) => p.part === "org_changes gather");
    const rows = projected.find((p) => p.part === "org_changes rows");
    // Enough slots for every worker at once: the gathers, then the rows parts.
    expect(wallSeconds(projected, 100)).toBeCloseTo((gather?.seconds ?? 0) + (rows?.seconds ?? 0), 5);
  });
});
