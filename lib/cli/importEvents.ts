import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { requireEnvironment } from "../auth/credentials.js";
import { NotUtf8Body } from "../http/requestBody.js";
import { ingestEvents } from "../ingest/ingest.js";
import { validateEvents } from "../ingest/validate.js";
import type { Store } from "../storage/client.js";
import { runErasureJob } from "../tenants/erasureJob.js";
import { parseJson } from "../validation/exactNumbers.js";
import { CliError } from "./errors.js";
import { type Line, readLines } from "./lines.js";

export const IMPORT_BATCH_SIZE = 1000;
/** Invalid lines reported in full; the rest are only counted, so a wholly wrong file gives a readable error. */
const MAX_REPORTED_ERRORS = 20;

export type ImportPhase = "validating" | "importing";

export interface ImportOptions {
  /** The instant events without `occurred_at` get, and that "in the future" is judged against. */
  now?: number;
  batchSize?: number;
  onProgress?: (phase: ImportPhase, bytesRead: number, totalBytes: number) => void;
}

/**
 * Some lines are not valid events: nothing was written. `lines` are `line N: <message>`; the message is one line of
 * them all (CONTRACT §1: a one-line error), the first MAX_REPORTED_ERRORS and how many more.
 */
export class ImportValidationError extends CliError {
  constructor(
    readonly lines: string[],
    readonly invalidLines: number,
  ) {
    const more = invalidLines > lines.length ? [`and ${invalidLines - lines.length} more invalid lines`] : [];
    super([...lines, ...more].join("; "));
  }
}

interface LineError {
  line: number;
  message: string;
}

interface Batch {
  events: unknown[];
  lineNumbers: number[];
  /** Lines of this batch's stretch of the file that are not JSON. */
  badJson: LineError[];
}

const emptyBatch = (): Batch => ({ events: [], lineNumbers: [], badJson: [] });

/** Non-blank lines parsed as JSON, grouped in batches of `batchSize` events. */
async function* batchesOf(path: string, batchSize: number, onLine: (line: Line) => void): AsyncGenerator<Batch> {
  let batch = emptyBatch();
  for await (const line of readLines(path)) {
    onLine(line);
    if (line.text instanceof NotUtf8Body) {
      batch.badJson.push({ line: line.number, message: "not UTF-8" });
      continue;
    }
    if (line.text.trim() === "") continue;
    try {
      batch.events.push(parseJson(line.text));
      batch.lineNumbers.push(line.number);
    } catch {
      batch.badJson.push({ line: line.number, message: "invalid JSON" });
      continue;
    }
    if (batch.events.length >= batchSize) {
      yield batch;
      batch = emptyBatch();
    }
  }
  if (batch.events.length > 0 || batch.badJson.length > 0) yield batch;
}

/**
 * An import is resumable: run again after a kill (or any failure), it counts each line once. Lines with an
 * `event_id` are deduplicated by it; a line without one gets `import:{digest of the file}:{line number}`, so the
 * same file imported again is all duplicates, as a file with ids would be (CONTRACT §1, README).
 */
function withImportIds(batch: Batch, fileDigest: string): unknown[] {
  return batch.events.map((event, i) =>
    typeof event === "object" && event !== null && !("event_id" in event)
      ? { ...event, event_id: `import:${fileDigest}:${batch.lineNumbers[i]}` }
      : event,
  );
}

/** The first problem of each invalid line of a batch, in line order. */
function batchErrors(batch: Batch, now: number): LineError[] {
  const errors = new Map<number, string>(batch.badJson.map((e) => [e.line, e.message]));
  const result = batch.events.length > 0 ? validateEvents(batch.events, now) : { ok: true as const };
  if (!result.ok) {
    for (const error of result.errors) {
      const line = batch.lineNumbers[error.index] ?? 0;
      if (!errors.has(line)) errors.set(line, error.field ? `${error.field}: ${error.message}` : error.message);
    }
  }
  return [...errors].map(([line, message]) => ({ line, message })).sort((a, b) => a.line - b.line);
}

/**
 * `import --environment ID FILE` (CONTRACT §1): pass 1 validates every line with the ingestion's own validation
 * and writes nothing if any line is bad; pass 2 ingests in batches, as the events route would. Resumable: see
 * withImportIds.
 */
export async function importEvents(
  store: Store,
  environmentId: string,
  path: string,
  options: ImportOptions = {},
): Promise<{ accepted: number; duplicates: number }> {
  const now = options.now ?? Date.now();
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  await requireEnvironment(store, environmentId);
  let totalBytes: number;
  try {
    totalBytes = (await stat(path)).size;
  } catch {
    throw new CliError(`cannot read file: ${path}`);
  }
  const progress = (phase: ImportPhase) => (line: Line) => options.onProgress?.(phase, line.bytesRead, totalBytes);

  const reported: string[] = [];
  let invalidLines = 0;
  const digest = createHash("sha256");
  const validating = progress("validating");
  const readForValidation = (line: Line) => {
    if (typeof line.text === "string") digest.update(`${line.text}\n`);
    validating(line);
  };
  for await (const batch of batchesOf(path, batchSize, readForValidation)) {
    for (const error of batchErrors(batch, now)) {
      invalidLines += 1;
      if (reported.length < MAX_REPORTED_ERRORS) reported.push(`line ${error.line}: ${error.message}`);
    }
  }
  if (invalidLines > 0) throw new ImportValidationError(reported, invalidLines);
  const fileDigest = digest.digest("hex").slice(0, 32);

  const total = { accepted: 0, duplicates: 0 };
  const erased = new Set<string>();
  for await (const batch of batchesOf(path, batchSize, progress("importing"))) {
    const [changed] = batch.badJson;
    if (changed) throw new CliError(`line ${changed.line}: the file changed during the import`);
    const result = await ingestEvents(store, environmentId, withImportIds(batch, fileDigest), now);
    total.accepted += result.accepted;
    total.duplicates += result.duplicates;
    for (const event of batch.events as { type?: unknown; user_id?: unknown }[])
      if (event.type === "user.erased" && typeof event.user_id === "string") erased.add(event.user_id);
  }
  // The erasure jobs the imported `user.erased` events recorded: run here, as `user erase` runs its own (no queue).
  for (const userId of erased) await runErasureJob(store, environmentId, userId, { settle: false });
  return total;
}
