import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyApiKey, verifyUserToken } from "../../lib/auth/credentials.js";
import { listEnvironmentIds } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { deletionProgress, runDeletionJob, startEnvironmentDeletion } from "../../lib/tenants/deletion.js";
import { testStore } from "../helpers/store.js";
import { admin, allItems, itemsMentioning, populatedEnvironment } from "./fixtures.js";

let store: Store;
const NOW = Date.UTC(2026, 10, 20, 12);
beforeAll(async () => {
  store = await testStore();
});

describe("environment export", () => {
  it("writes users, orgs and memberships as JSON Lines", async () => {
    const env = await populatedEnvironment(store, "exported", NOW);
    const file = join(mkdtempSync(join(tmpdir(), "export-")), "acme.jsonl");
    const result = await admin(store, "environment", "export", "--environment", env.environment_id, file);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ users: 2, orgs: 1, memberships: 2 });
    const lines = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        record: "user",
        user_id: "ada",
        username: "ada",
        email: "ada@exported.test",
        first_name: "Ada",
        last_name: "Lovelace",
        profile: { title: "Countess" },
        signup_query_parameters: { utm_source: "ad" },
        created_at: new Date(NOW - 40 * 86_400_000).toISOString(),
        last_active_at: new Date(NOW - 20 * 86_400_000).toISOString(),
      },
      expect.objectContaining({ record: "user", user_id: "bob", email: "bob@exported.test", last_name: null }),
      expect.objectContaining({ record: "org", org_id: "o1", name: "exported org" }),
      expect.objectContaining({ record: "membership", org_id: "o1", user_id: "ada", role: "admin" }),
      expect.objectContaining({ record: "membership", org_id: "o1", user_id: "bob", role: null }),
    ]);
    const unwritable = await admin(
      store,
      "environment",
      "export",
      "--environment",
      env.environment_id,
      "/no/such/dir/x",
    );
    expect(unwritable.stderr).toBe("error: cannot write file: /no/such/dir/x\n");
  });
});

describe("environment delete", () => {
  it("revokes the environment's credentials and removes every item it stored, leaving another untouched", async () => {
    const doomed = await populatedEnvironment(store, "doomed", NOW);
    const kept = await populatedEnvironment(store, "kept", NOW);
    expect((await itemsMentioning(store, doomed.environment_id)).length).toBeGreaterThan(50);
    const keptBefore = await itemsMentioning(store, kept.environment_id);

    const refused = await admin(
      store,
      "environment",
      "delete",
      "--environment",
      doomed.environment_id,
      "--confirm",
      "x",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: --confirm must repeat the environment id/);
    expect(await verifyApiKey(store, doomed.api_key)).toBeDefined();

    const deleted = await admin(
      store,
      "environment",
      "delete",
      "--environment",
      doomed.environment_id,
      "--confirm",
      doomed.environment_id,
    );
    expect(deleted.stderr).toBe("");
    const printed = JSON.parse(deleted.stdout);
    expect(printed).toMatchObject({
      environment_id: doomed.environment_id,
      revoked_credentials: 2,
      resumed: false,
      done: true,
    });
    expect(printed.deleted_items).toBeGreaterThan(50);

    // Nothing of it is left in any table: no key, no value names it, but for the deletion's own completion record
    // (state, counts, instants); its people's emails are gone too.
    const left = await itemsMentioning(store, doomed.environment_id);
    expect(left.map((x) => [x.table, x.item.pk, x.item.sk])).toEqual([
      [store.tables.entities, "DELETIONS", doomed.environment_id],
    ]);
    expect(Object.keys(left[0]?.item ?? {}).sort()).toEqual(
      ["pk", "sk", "state", "started_at", "updated_at", "finished_at", "scanned", "deleted"].sort(),
    );
    expect(await itemsMentioning(store, "@doomed.test")).toEqual([]);
    expect(await verifyApiKey(store, doomed.api_key)).toBeUndefined();
    expect(await verifyUserToken(store, doomed.token.user_id, doomed.token.auth_token)).toBeUndefined();
    expect(await listEnvironmentIds(store)).not.toContain(doomed.environment_id);

    // The other environment is exactly as it was.
    const sortKey = (x: { table: string; item: Record<string, unknown> }) => `${x.table} ${x.item.pk} ${x.item.sk}`;
    const keptAfter = await itemsMentioning(store, kept.environment_id);
    expect(keptAfter.map(sortKey).sort()).toEqual(keptBefore.map(sortKey).sort());
    expect(keptAfter.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
      keptBefore.sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    );
    expect((await verifyApiKey(store, kept.api_key))?.environmentId).toBe(kept.environment_id);
  });

  it("is resumable: a job stopped midway continues from its cursors, with progress", async () => {
    const env = await populatedEnvironment(store, "resumed", NOW);
    const other = await populatedEnvironment(store, "other", NOW);
    const otherBefore = (await itemsMentioning(store, other.environment_id)).length;
    expect(await startEnvironmentDeletion(store, env.environment_id)).toEqual({
      revoked_credentials: 2,
      resumed: false,
    });
    // Revoked at once, before any data is removed.
    expect(await verifyApiKey(store, env.api_key)).toBeUndefined();

    // A worker that runs out of time after three pages.
    let pages = 0;
    const seen: number[] = [];
    const first = await runDeletionJob(store, env.environment_id, {
      now: () => pages++,
      deadline: 3,
      onProgress: (p) => seen.push(p.finished),
    });
    expect(first.done).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
    const saved = await deletionProgress(store, env.environment_id);
    expect(saved?.segments).toBe(12);
    expect(saved?.finished).toBe(first.finished);
    expect(saved?.deleted).toBe(first.deleted);

    // `environment delete` again resumes the same job (the environment item itself may be gone already).
    const resumed = await admin(
      store,
      "environment",
      "delete",
      "--environment",
      env.environment_id,
      "--confirm",
      env.environment_id,
    );
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, done: true });
    expect((await itemsMentioning(store, env.environment_id)).filter((x) => x.item.pk !== "DELETIONS")).toEqual([]);
    expect(await deletionProgress(store, env.environment_id)).toBeUndefined();
    expect((await itemsMentioning(store, other.environment_id)).length).toBe(otherBefore);
  });

  it("refuses an unknown environment and has --help", async () => {
    const unknown = await admin(store, "environment", "delete", "--environment", "env_nope", "--confirm", "env_nope");
    expect(unknown.stderr).toBe("error: unknown environment: env_nope\n");
    for (const command of ["delete", "export"]) {
      const help = await admin(store, "environment", command, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("--environment <id>");
    }
    expect((await allItems(store)).length).toBeGreaterThan(0);
  });

  it("delete-status: not_found before, running with progress midway, done with counts after", async () => {
    const env = await populatedEnvironment(store, "status", NOW);
    const status = async (id: string) => {
      const out = await admin(store, "environment", "delete-status", "--environment", id);
      expect(out.code).toBe(0);
      expect(out.stdout.trim().split("\n")).toHaveLength(1);
      return JSON.parse(out.stdout) as Record<string, unknown>;
    };
    expect(await status(env.environment_id)).toEqual({
      environment_id: env.environment_id,
      state: "not_found",
      environment_exists: true,
    });
    expect(await status("env_never")).toEqual({
      environment_id: "env_never",
      state: "not_found",
      environment_exists: false,
    });

    const before = Date.now();
    await startEnvironmentDeletion(store, env.environment_id);
    let pages = 0;
    const partial = await runDeletionJob(store, env.environment_id, { now: () => pages++, deadline: 2 });
    expect(partial.done).toBe(false);
    const running = await status(env.environment_id);
    expect(running).toMatchObject({
      environment_id: env.environment_id,
      state: "running",
      deleted_items: partial.deleted,
      scanned_items: partial.scanned,
      finished_segments: partial.finished,
      segments: 12,
    });
    expect(Date.parse(running.started_at as string)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(running.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(running.started_at as string));
    expect(running.finished_at).toBeUndefined();

    const finished = await runDeletionJob(store, env.environment_id);
    expect(finished.done).toBe(true);
    const done = await status(env.environment_id);
    expect(done).toMatchObject({
      environment_id: env.environment_id,
      state: "done",
      deleted_items: finished.deleted,
      scanned_items: finished.scanned,
      started_at: running.started_at,
    });
    expect(finished.deleted).toBeGreaterThan(partial.deleted);
    expect(Date.parse(done.finished_at as string)).toBeGreaterThanOrEqual(Date.parse(running.updated_at as string));
    expect(done.finished_segments).toBeUndefined();
    // A redelivered or repeated job finds it done: nothing is scanned again, the counts stay.
    expect(await runDeletionJob(store, env.environment_id)).toMatchObject({ done: true, deleted: finished.deleted });
    expect(await status(env.environment_id)).toEqual(done);

    const help = await admin(store, "environment", "delete-status", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--environment <id>");
    expect(help.stdout).toContain("not_found");
  });
});
