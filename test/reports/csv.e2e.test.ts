import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/insights.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { REPORTS } from "../../lib/reports/definitions.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { apiEvent, callHandler, invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

/**
 * Every report answers `Accept: text/csv` with all of its rows (CONTRACT §12), streamed through the insights
 * function's response stream; the JSON answers are unchanged.
 */

const USERS = 1200; // more than one read chunk (1,000 rows)
const DAY = 86_400_000;
let store: Store;
let environmentId: string;
let apiKey: string;

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "csv"));
  const created = new Date(Date.now() - 20 * DAY).toISOString();
  const events: object[] = [
    { type: "org.created", org_id: "=org", name: '=HYPERLINK("x"), "quoted"', occurred_at: created },
  ];
  for (let i = 0; i < USERS; i++) {
    events.push({
      type: "user.created",
      user_id: `u${String(i).padStart(4, "0")}`,
      email: i === 0 ? "-x@example.com" : `u${i}@example.com`,
      first_name: i === 1 ? "Ann,\nLine" : null,
      occurred_at: created,
      event_id: `c${i}`,
    });
  }
  events.push({ type: "org.member_added", org_id: "=org", user_id: "u0000", role: "Admin", occurred_at: created });
  events.push({ type: "user.invited", user_id: "u0000", invitee_email: "i@x.io", occurred_at: created });
  for (let start = 0; start < events.length; start += 1000) {
    await ingestEvents(store, environmentId, events.slice(start, start + 1000));
  }
  await refreshEnvironment(store, environmentId, Date.now());
}, 180_000);

async function csv(path: string, accept = "text/csv") {
  const raw = await callHandler(
    handler,
    apiEvent({ path, headers: { Authorization: `Bearer ${apiKey}`, Accept: accept } }),
  );
  return { status: raw.statusCode, headers: raw.headers ?? {}, body: raw.body };
}

/** RFC 4180 records (quoted fields may hold CR/LF). */
function parse(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  return records;
}

describe("reports as CSV", () => {
  it("answer every row of the churn report, streamed past the whole-answer threshold, in the JSON order", async () => {
    process.env.RESPONSE_GZIP_THRESHOLD_BYTES = "10000"; // stream rather than answer whole
    try {
      const res = await csv("/api/backend/v1/user_report/churn?report_interval=7&page_size=5");
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="user_report-churn-7-\d+\.csv"$/);
      expect(res.headers["x-total-count"]).toBe(String(USERS));
      expect(res.headers.vary).toBe("Accept-Encoding"); // sent as produced, not whole
      const records = parse(res.body);
      expect(records[0]).toEqual([
        "id",
        "report_id",
        "user_id",
        "user_created_at",
        "username",
        "first_name",
        "last_name",
        "email",
        "last_active_at",
        "org_data",
      ]);
      expect(records).toHaveLength(USERS + 1);
      const json = await invoke(handler, {
        path: "/api/backend/v1/user_report/churn?report_interval=7&page_size=1000&page_number=1",
        headers: { Authorization: `Bearer ${apiKey}` },
      });
      const page = (json.body as { user_reports: { id: string; user_id: string }[] }).user_reports;
      expect(records.slice(1001).map((r) => [r[0], r[2]])).toEqual(page.map((r) => [r.id, r.user_id]));
      const ada = records.find((r) => r[2] === "u0000") as string[];
      expect(ada[7]).toBe("'-x@example.com");
      expect(JSON.parse(ada[9] as string)).toEqual([
        { display_name: '=HYPERLINK("x"), "quoted"', org_id: "=org", user_role: "Admin" },
      ]);
      expect(records.find((r) => r[2] === "u0001")?.[5]).toBe("Ann,\nLine");
    } finally {
      delete process.env.RESPONSE_GZIP_THRESHOLD_BYTES;
    }
  }, 120_000);

  it("answer every report × interval, org cells neutralised, extra_properties as JSON", async () => {
    for (const { name, intervals } of REPORTS) {
      for (const interval of intervals) {
        const res = await csv(`/api/backend/v1/${name}?report_interval=${interval}`, "text/csv, application/json");
        expect(res.status, `${name} ${interval}`).toBe(200);
        const [header, ...rows] = parse(res.body);
        expect(header?.[0]).toBe("id");
        expect(rows).toHaveLength(Number(res.headers["x-total-count"]));
      }
    }
    const inviters = parse((await csv("/api/backend/v1/user_report/top_inviter?report_interval=30")).body);
    expect(inviters[0]?.at(-1)).toBe("extra_properties");
    expect(JSON.parse(inviters[1]?.at(-1) as string)).toEqual({ num_invites: 1 });
    const orgs = parse((await csv("/api/backend/v1/org_report/churn?report_interval=7")).body);
    expect(orgs[0]).toEqual(["id", "report_id", "org_id", "name", "num_users", "org_created_at"]);
    expect(orgs[1]?.slice(2, 5)).toEqual(["'=org", `'=HYPERLINK("x"), "quoted"`, "1"]);
  }, 120_000);

  it("keep JSON for other Accept values, and errors in the family's JSON format", async () => {
    const json = await csv("/api/backend/v1/org_report/churn?report_interval=7", "application/json, text/csv");
    expect(json.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(json.body).total_count).toBe(1);
    const bad = await csv("/api/backend/v1/org_report/churn?report_interval=8");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: "invalid_request" });
  });
});
