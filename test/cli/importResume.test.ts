import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { importEvents } from "../../lib/cli/importEvents.js";
import type { Store } from "../../lib/storage/client.js";
import { currentUserCount } from "../../lib/users/storage.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { environmentItems } from "../helpers/tableItems.js";

/**
 * `import` resumed after a kill: the import dies at its Nth storage call (the call applied, then nothing more: the
 * process is gone), for EVERY N of a clean import, and is run again; the tables must equal one clean import. Lines
 * without `event_id` count once too (they get ids derived from the file). A real `kill -9` of the CLI process too.
 */

let store: Store;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();
const dir = mkdtempSync(join(tmpdir(), "import-resume-"));

const lines = [
  { type: "user.created", user_id: "a", occurred_at: at(5), email: "a@x.io", event_id: "ca" },
  { type: "org.created", org_id: "o", name: "O", occurred_at: at(5) },
  { type: "org.member_added", org_id: "o", user_id: "a", occurred_at: at(4) },
  { type: "user.active", user_id: "a" }, // no occurred_at, no event_id
  { type: "user.invited", user_id: "a", invitee_email: "b@x.io", occurred_at: at(3), event_id: "ia" },
  { type: "user.created", user_id: "b", occurred_at: at(3), event_id: "cb" },
  { type: "org.member_added", org_id: "o", user_id: "b", occurred_at: at(2) },
  { type: "user.active", user_id: "b", occurred_at: at(1) },
  { type: "org.member_removed", org_id: "o", user_id: "a", occurred_at: at(1), event_id: "ra" },
];
const file = join(dir, "events.jsonl");
writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);

/**
 * An environment's items, comparable across environments (test/helpers/tableItems.ts: spread counters summed), with
 * the clock-hour generations (lib/ingest/hourGenerations.ts) by what they mean, as in everyFailure.suite.ts: a resumed
 * import bumps a day again, and a day bumped at all is recomputed from its members by readers.
 */
async function tableContents(environmentId: string): Promise<string[]> {
  return (await environmentItems(store, environmentId)).map((line) => {
    const [table, json] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
    const item = JSON.parse(json) as Record<string, unknown>;
    if (!String(item.pk).endsWith("#HCGEN")) return line;
    for (const [name, value] of Object.entries(item)) if (typeof value === "number") item[name] = value > 0;
    return `${table} ${JSON.stringify(item)}`;
  });
}

let cleanTables: string[];
let callsOfCleanImport = 0;

beforeAll(async () => {
  store = await testStore();
  const { environment_id } = await createEnvironment(store, "clean");
  const counting = interceptedStore(store, (_command, send) => {
    callsOfCleanImport += 1;
    return send();
  });
  expect(await importEvents(counting, environment_id, file, { now: NOW, batchSize: 3 })).toEqual({
    accepted: lines.length,
    duplicates: 0,
  });
  cleanTables = await tableContents(environment_id);
  expect(await importEvents(store, environment_id, file, { now: NOW + 1000, batchSize: 3 })).toEqual({
    accepted: 0,
    duplicates: lines.length,
  });
  expect(await tableContents(environment_id)).toEqual(cleanTables);
});

describe("import resumed after it was killed", () => {
  it("counts every line once, whichever storage call it died after", async () => {
    expect(callsOfCleanImport).toBeGreaterThan(20);
    for (let nth = 1; nth <= callsOfCleanImport; nth++) {
      const { environment_id: e } = await createEnvironment(store, `killed-${nth}`);
      let calls = 0;
      const dying = interceptedStore(store, (_command, send) =>
        ++calls === nth ? send().then(() => Promise.reject(new Error("killed"))) : send(),
      );
      await expect(importEvents(dying, e, file, { now: NOW, batchSize: 3 })).rejects.toThrow();
      const resumed = await importEvents(store, e, file, { now: NOW, batchSize: 3 });
      expect(resumed.accepted + resumed.duplicates).toBe(lines.length);
      expect({ nth, tables: await tableContents(e) }).toEqual({ nth, tables: cleanTables });
    }
  }, 300_000);

  it("counts every line once after `kill -9` of the CLI process and a second run", async () => {
    const { environment_id: e } = await createEnvironment(store, "sigkill");
    const big = join(dir, "big.jsonl");
    const users = 1500;
    const bigLines = Array.from({ length: users }, (_, i) =>
      JSON.stringify({ type: "user.created", user_id: `u${i}`, occurred_at: at(1) }),
    );
    writeFileSync(big, `${bigLines.join("\n")}\n`);
    const userCount = () => currentUserCount(store, e);
    const run = (killMidway: boolean) =>
      new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
        const child = spawn("npx", ["tsx", "scripts/admin.ts", "import", "--environment", e, big], {
          env: {
            ...process.env,
            DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
            TABLE_PREFIX: store.tables.entities.replace(/entities$/, ""),
            AWS_REGION: "us-east-1",
          },
          // Its own process group: `npx` runs the CLI in a child process, and the kill must take the whole CLI.
          detached: true,
        });
        child.stdout.resume();
        child.stderr.resume();
        // Killed as soon as the first batch's users are written: its batch not completed, the second not begun.
        const watch = killMidway
          ? setInterval(async () => {
              if ((await userCount()) > 0 && child.pid) process.kill(-child.pid, "SIGKILL");
            }, 20)
          : undefined;
        child.on("error", reject);
        child.on("close", (code, signal) => {
          clearInterval(watch);
          resolve({ code, signal });
        });
      });
    expect(await run(true)).toEqual({ code: null, signal: "SIGKILL" });
    const written = await userCount();
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(users);
    expect(await run(false)).toEqual({ code: 0, signal: null });
    expect(await userCount()).toBe(users);
    const userItems = (await tableContents(e)).filter((item) => item.includes('"sk":"USER"'));
    expect(userItems).toHaveLength(users);
  }, 120_000);
});
