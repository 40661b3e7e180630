/**
 * Cursor paging over users in sign-up order (CONTRACT §5). Storage reads `limit + 1` rows beyond the cursor (forward
 * for `after` and the first page, backward for `before`); the extra row only tells whether more exist that way.
 */
export type PageDirection = "first" | "after" | "before";

export interface Page<T> {
  /** In sign-up order. */
  items: T[];
  hasPrevious: boolean;
  hasNext: boolean;
}

/**
 * The page from the rows read: `rows` are in read order (ascending for first/after, descending for before).
 * The cursor user itself lies on the other side, so a non-empty cursor page has a neighbour there. An empty page
 * has no first or last id to link from, so it links nowhere.
 */
export function pageFromRows<T>(direction: PageDirection, rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  if (kept.length === 0) return { items: [], hasPrevious: false, hasNext: false };
  if (direction === "before") return { items: kept.reverse(), hasPrevious: more, hasNext: true };
  return { items: kept, hasPrevious: direction === "after", hasNext: more };
}

export interface Pagination {
  hasPrevious: boolean;
  hasNext: boolean;
  next?: string;
  previous?: string;
}

/** The links of a page: `next` after its last id only when hasNext, `previous` before its first id only when hasPrevious. */
export function paginationOf<T>(page: Page<T>, limit: number, idOf: (item: T) => string): Pagination {
  const out: Pagination = { hasPrevious: page.hasPrevious, hasNext: page.hasNext };
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  // Ids are URL-encoded so that the link is a valid query string whatever characters an id holds.
  if (page.hasNext && last !== undefined) out.next = `limit=${limit}&after=${encodeURIComponent(idOf(last))}`;
  if (page.hasPrevious && first !== undefined) {
    out.previous = `limit=${limit}&before=${encodeURIComponent(idOf(first))}`;
  }
  return out;
}
