/**
 * CSV as RFC 4180 writes it, for every route that answers `Accept: text/csv` (CONTRACT §12: the reports of §6 and
 * the routes of §10): a header line, CRLF line ends, a field quoted when it holds `"`, `,`, CR or LF (quotes
 * doubled). Pure and streaming: `csvLines` turns pages of rows into text a page at a time, so no answer is ever held
 * whole (the caller reads its rows page by page).
 *
 * - Nested values (objects, arrays) are written as their JSON text; null and undefined as an empty field.
 * - Formula injection: a text field that starts with `=`, `+`, `-` or `@` is prefixed with `'`, so a spreadsheet
 *   shows it as text instead of evaluating it. Numbers are written as they are (a negative number stays a number).
 */

export interface CsvColumn<Row> {
  /** The header of the column. */
  name: string;
  value: (row: Row) => unknown;
}

const FORMULA_START = /^[=+\-@]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field's text. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (typeof value === "string") text = FORMULA_START.test(value) ? `'${value}` : value;
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") text = String(value);
  else text = JSON.stringify(value) ?? "";
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, with its CRLF. */
export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** The header line, then one string per page of rows (empty pages give nothing). */
export async function* csvLines<Row>(columns: CsvColumn<Row>[], pages: AsyncIterable<Row[]>): AsyncGenerator<string> {
  yield csvLine(columns.map((column) => column.name));
  for await (const rows of pages) {
    if (rows.length === 0) continue;
    let text = "";
    for (const row of rows) text += csvLine(columns.map((column) => column.value(row)));
    yield text;
  }
}

/**
 * Whether the client asked for CSV: `text/csv` listed in `Accept` with a higher quality than JSON (`application/json`
 * or a wildcard), the first listed winning a tie. Without `Accept`, or `*\/*`, the answer stays JSON.
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let csv = -1;
  let jsonQuality = -1;
  let csvFirst = false;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (!Number.isFinite(quality)) continue;
    const media = type.trim();
    if (media === "text/csv") {
      if (jsonQuality < 0 && csv < 0) csvFirst = true;
      csv = Math.max(csv, quality);
    } else if (media === "application/json" || media === "application/*" || media === "*/*") {
      jsonQuality = Math.max(jsonQuality, quality);
    }
  }
  if (csv <= 0) return false;
  return csv > jsonQuality || (csv === jsonQuality && csvFirst);
}
