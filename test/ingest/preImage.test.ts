import { describe, expect, it } from "vitest";
import { seededRandom } from "../../lib/demo/random.js";
import { itemChanges, preImageDelta, stateBefore } from "../../lib/ingest/preImage.js";

/** Random flat items over a few field names, some fields absent, values of a few shapes. */
function randomItem(next: () => number): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const name of ["a", "b", "c", "d", "e"]) {
    const r = next();
    if (r < 0.3) continue;
    item[name] = r < 0.5 ? Math.floor(r * 10) : r < 0.7 ? { x: Math.floor(r * 4) } : [`s${Math.floor(r * 3)}`];
  }
  return item;
}

describe("pre-images of the changed fields only", () => {
  it("turn any item written over any other back into it, and record nothing of what did not change", () => {
    const { next } = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const before = randomItem(next);
      const after = randomItem(next);
      const delta = preImageDelta(before, after);
      expect(stateBefore(after, delta)).toEqual(before);
      for (const name of Object.keys(delta.prev_delta)) expect(after[name]).not.toEqual(before[name]);
      // Applying the SET / REMOVE of itemChanges to `before` gives `after`.
      const { set, remove } = itemChanges(before, after);
      const written: Record<string, unknown> = { ...before, ...set };
      for (const name of remove) delete written[name];
      expect(written).toEqual(after);
    }
  });

  it("leaves out the ignored fields", () => {
    const delta = preImageDelta({ version: 1, a: 1, email: "x" }, { version: 2, a: 2 }, new Set(["version", "email"]));
    expect(delta).toEqual({ prev_delta: { a: 1 }, prev_absent: [] });
  });
});
