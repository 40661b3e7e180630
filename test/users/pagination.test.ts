import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pageFromRows, paginationOf } from "../../lib/users/pagination.js";

const id = (s: string) => s;

describe("pageFromRows", () => {
  it("first page: no previous; next when the extra row was read", () => {
    expect(pageFromRows("first", ["a", "b", "c"], 2)).toEqual({ items: ["a", "b"], hasPrevious: false, hasNext: true });
    expect(pageFromRows("first", ["a", "b"], 2)).toEqual({ items: ["a", "b"], hasPrevious: false, hasNext: false });
  });

  it("after a cursor: the cursor is previous", () => {
    expect(pageFromRows("after", ["c"], 2)).toEqual({ items: ["c"], hasPrevious: true, hasNext: false });
  });

  it("before a cursor: rows read backwards come out in order, the cursor is next", () => {
    expect(pageFromRows("before", ["c", "b", "a"], 2)).toEqual({ items: ["b", "c"], hasPrevious: true, hasNext: true });
    expect(pageFromRows("before", ["b", "a"], 2)).toEqual({ items: ["a", "b"], hasPrevious: false, hasNext: true });
  });

  it("an empty page links nowhere", () => {
    for (const direction of ["first", "after", "before"] as const) {
      expect(pageFromRows(direction, [], 3)).toEqual({ items: [], hasPrevious: false, hasNext: false });
    }
  });

  it("following next and previous links over a sorted list visits every element once, in order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 12 }), (n, limit) => {
        const all = Array.from({ length: n }, (_, i) => `u${String(i).padStart(3, "0")}`);
        // A stand-in for the index read: limit + 1 rows strictly after / before the cursor.
        const read = (direction: "first" | "after" | "before", cursor?: string) => {
          const at = cursor === undefined ? -1 : all.indexOf(cursor);
          const rows =
            direction === "before"
              ? all
                  .slice(0, at)
                  .reverse()
                  .slice(0, limit + 1)
              : all.slice(at + 1, at + 2 + limit);
          return pageFromRows(direction, rows, limit);
        };
        const forward: string[] = [];
        let page = read("first");
        forward.push(...page.items);
        while (page.hasNext) {
          const links = paginationOf(page, limit, id);
          page = read("after", new URLSearchParams(links.next).get("after") ?? undefined);
          forward.push(...page.items);
        }
        expect(forward).toEqual(all);
        const backward: string[] = [...page.items];
        while (page.hasPrevious) {
          const links = paginationOf(page, limit, id);
          page = read("before", new URLSearchParams(links.previous).get("before") ?? undefined);
          backward.unshift(...page.items);
        }
        expect(backward).toEqual(all);
      }),
    );
  });
});

describe("paginationOf", () => {
  it("links from the first and last ids only in the directions that have more", () => {
    expect(paginationOf({ items: ["a", "b"], hasPrevious: true, hasNext: true }, 2, id)).toEqual({
      hasPrevious: true,
      hasNext: true,
      next: "limit=2&after=b",
      previous: "limit=2&before=a",
    });
    expect(paginationOf({ items: ["a", "b"], hasPrevious: false, hasNext: false }, 25, id)).toEqual({
      hasPrevious: false,
      hasNext: false,
    });
  });

  it("encodes ids that are not query-string safe", () => {
    expect(paginationOf({ items: ["a&b=c"], hasPrevious: false, hasNext: true }, 1, id).next).toBe(
      "limit=1&after=a%26b%3Dc",
    );
  });
});
