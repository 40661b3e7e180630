/**
 * The pre-image a user or org write records (see PreImage in loadState.ts), as the fields it changed only.
 *
 * A retry of a batch must see each entity as it was before the batch's own earlier write; that write recorded the
 * entity's whole previous state (`prev_state`) until issue 20, which doubled the item every activity rewrites (AWS
 * bills a write by the item's size). Now it records the previous values of the fields it changed or removed
 * (`prev_delta`) and the names of the fields it added (`prev_absent`): the state before is the item with those
 * fields put back and those removed. An activity changes a handful of small fields, so the pre-image costs tens of
 * bytes where it cost the whole item. Items written with a whole `prev_state` still read as before.
 */

export type Fields = Record<string, unknown>;

export interface PreImageDelta {
  prev_delta: Fields;
  prev_absent: string[];
}

const present = (fields: Fields, name: string) => fields[name] !== undefined;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What turns `after` back into `before` (fields in `ignore`, such as `version`, are left out). */
export function preImageDelta(before: Fields, after: Fields, ignore: ReadonlySet<string> = new Set()): PreImageDelta {
  const prev_delta: Fields = {};
  const prev_absent: string[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ignore.has(name)) continue;
    if (!present(before, name)) {
      if (present(after, name)) prev_absent.push(name);
    } else if (!present(after, name) || !same(before[name], after[name])) {
      prev_delta[name] = before[name];
    }
  }
  return { prev_delta, prev_absent: prev_absent.sort() };
}

/** The state before a write, from the item it left and the delta it recorded. */
export function stateBefore(after: Fields, { prev_delta, prev_absent }: PreImageDelta): Fields {
  const before: Fields = { ...after, ...prev_delta };
  for (const name of prev_absent) delete before[name];
  return before;
}

/** The fields of `after` to SET and the fields of `before` to REMOVE to turn one stored item into the other. */
export function itemChanges(before: Fields, after: Fields, ignore: ReadonlySet<string> = new Set()) {
  const set: Fields = {};
  const remove: string[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ignore.has(name)) continue;
    if (present(after, name)) {
      if (!same(before[name], after[name])) set[name] = after[name];
    } else if (present(before, name)) remove.push(name);
  }
  return { set, remove };
}
