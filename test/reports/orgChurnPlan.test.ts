import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { planOrgChurnShards } from "../../lib/reports/orgChurnPlan.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import { partId, planRun } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { testStore } from "../helpers/store.js";
import { getReport } from "./helpers.js";

const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

describe("org churn planned as parallel ranges", () => {
  it("cuts [oldest org, T − 7 d) into ranges by the tenant's users; the list is the one-range list", async () => {
    const now = Date.now();
    const env = await createEnvironment(store, "org-ranges", now - 400 * DAY);
    // 8 orgs, each with one member, last active 10..360 days ago.
    const daysAgo = [10, 20, 45, 90, 150, 200, 300, 360];
    await ingestEvents(
      store,
      env.environment_id,
      daysAgo.flatMap((d, i) => [
        { type: "user.created", occurred_at: new Date(now - 380 * DAY).toISOString(), user_id: `u${i}` },
        { type: "org.created", occurred_at: new Date(now - 380 * DAY).toISOString(), org_id: `o${i}`, name: `O${i}` },
        {
          type: "org.member_added",
          occurred_at: new Date(now - 379 * DAY).toISOString(),
          org_id: `o${i}`,
          user_id: `u${i}`,
        },
        { type: "user.active", occurred_at: new Date(now - d * DAY).toISOString(), user_id: `u${i}` },
      ]),
    );
    // 8 users: one range per 100,000 by default, 4 ranges at 2 users a range.
    expect(await planOrgChurnShards(store, env.environment_id, now)).toHaveLength(1);
    const shards = await planOrgChurnShards(store, env.environment_id, now, 2);
    expect(shards).toHaveLength(4);
    expect(shards[0]?.to).toBe(new Date(now - 7 * DAY).toISOString());
    expect(shards[shards.length - 1]?.from).toBeUndefined();
    for (let i = 1; i < shards.length; i++) expect(shards[i]?.to).toBe(shards[i - 1]?.from);

    const orgChurn = async (interval: string) =>
      (
        (await getReport(env.api_key, "org_report/churn", { report_interval: interval, page_size: "100" })).body as {
          org_reports: { org_id: string }[];
        }
      ).org_reports.map((r) => r.org_id);
    await refreshEnvironment(store, env.environment_id, now);
    const whole = await Promise.all(["7", "14", "30"].map(orgChurn));
    expect(whole[0]).toEqual(["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7"]);

    const jobs = await planRun(store, env.environment_id, now + 1000, { shardRows: 2 });
    const orgJobs = jobs.filter((j) => j.part === "org_churn");
    expect(orgJobs.length).toBeGreaterThan(1);
    expect(new Set(orgJobs.map(partId)).size).toBe(orgJobs.length);
    await refreshEnvironment(store, env.environment_id, now + 1000, { shardRows: 2 });
    expect(await Promise.all(["7", "14", "30"].map(orgChurn))).toEqual(whole);
  });
});
