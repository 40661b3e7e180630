import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { environmentCreate } from "../../lib/cli/commands.js";
import { CliError } from "../../lib/cli/errors.js";
import { type ImportPhase, ImportValidationError, importEvents } from "../../lib/cli/importEvents.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { currentUserCount } from "../../lib/users/storage.js";
import { testStore } from "../helpers/store.js";

let store: Store;
const dir = mkdtempSync(join(tmpdir(), "import-"));
const NOW = Date.UTC(2026, 2, 1, 12);

beforeAll(async () => {
  store = await testStore();
});

function writeJsonl(name: string, lines: (object | string)[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`);
  return path;
}

async function userItem(environmentId: string, userId: string) {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.user(environmentId, userId) }),
  );
  return got.Item;
}

/** The existing users' counter as the users routes read it (its sub-items summed). */
const userCount = (environmentId: string) => currentUserCount(store, environmentId);

/** `n` users, each created then active, every event with an event_id. */
function userEvents(n: number): object[] {
  return Array.from({ length: n }, (_, i) => [
    { type: "user.created", user_id: `u${i}`, occurred_at: "2026-02-01T10:00:00Z", event_id: `c${i}` },
    { type: "user.active", user_id: `u${i}`, occurred_at: "2026-02-02T10:00:00Z", event_id: `a${i}` },
  ]).flat();
}

describe("import", () => {
  it("ingests every event of a file in batches, skipping blank lines", async () => {
    const { environment_id } = await environmentCreate(store, "import-good");
    const events = userEvents(7);
    const path = writeJsonl("good.jsonl", [...events.slice(0, 5), "", "   ", ...events.slice(5)]);
    const progress: [ImportPhase, number, number][] = [];
    const result = await importEvents(store, environment_id, path, {
      now: NOW,
      batchSize: 3,
      onProgress: (phase, read, total) => progress.push([phase, read, total]),
    });
    expect(result).toEqual({ accepted: events.length, duplicates: 0 });
    for (let i = 0; i < 7; i++) expect((await userItem(environment_id, `u${i}`))?.user_id).toBe(`u${i}`);
    expect(await userCount(environment_id)).toBe(7);
    const size = statSync(path).size;
    for (const phase of ["validating", "importing"] as const) {
      const last = progress.filter(([p]) => p === phase).at(-1);
      expect(last).toEqual([phase, size, size]);
    }
  });

  it("writes nothing when any line is invalid, and names each bad line", async () => {
    const { environment_id } = await environmentCreate(store, "import-bad");
    const path = writeJsonl("bad.jsonl", [
      ...userEvents(2), // lines 1-4
      { type: "user.created", occurred_at: "2026-02-01T10:00:00Z" }, // line 5: no user_id
      "",
      "{not json", // line 7
      { type: "user.exploded", user_id: "x" }, // line 8
      ...userEvents(1), // lines 9-10
    ]);
    const error = await importEvents(store, environment_id, path, { now: NOW, batchSize: 2 }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportValidationError);
    const lines = (error as ImportValidationError).lines;
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^line 5: user_id: /);
    expect(lines[1]).toBe("line 7: invalid JSON");
    expect(lines[2]).toMatch(/^line 8: type: /);
    expect(await userItem(environment_id, "u0")).toBeUndefined();
    expect(await userCount(environment_id)).toBe(0);
  });

  it("rejects events in the future relative to the import", async () => {
    const { environment_id } = await environmentCreate(store, "import-future");
    const path = writeJsonl("future.jsonl", [
      { type: "user.created", user_id: "f", occurred_at: new Date(NOW + 3_600_000).toISOString() },
    ]);
    await expect(importEvents(store, environment_id, path, { now: NOW })).rejects.toThrow(/^line 1: occurred_at: /);
    expect(await userItem(environment_id, "f")).toBeUndefined();
  });

  it("rejects a profile number a double can't hold exactly, naming the field (issue 17)", async () => {
    const { environment_id } = await environmentCreate(store, "import-inexact");
    const path = writeJsonl("inexact.jsonl", [
      '{"type":"user.created","user_id":"big","occurred_at":"2026-02-01T10:00:00Z","profile":{"n":12345678901234567890}}',
    ]);
    await expect(importEvents(store, environment_id, path, { now: NOW })).rejects.toThrow(
      /^line 1: profile\.n: is 12345678901234567890, which can't be stored exactly/,
    );
    expect(await userItem(environment_id, "big")).toBeUndefined();
  });

  it("rejects a line whose bytes aren't UTF-8, writing nothing (issue 17)", async () => {
    const { environment_id } = await environmentCreate(store, "import-not-utf8");
    const path = join(dir, "not-utf8.jsonl");
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from('{"type":"user.created","user_id":"fine","occurred_at":"2026-02-01T10:00:00Z"}\n'),
        Buffer.from('{"type":"user.created","user_id":"bad'),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('id","occurred_at":"2026-02-01T10:00:00Z"}\n'),
      ]),
    );
    await expect(importEvents(store, environment_id, path, { now: NOW })).rejects.toThrow(/^line 2: not UTF-8$/);
    expect(await userItem(environment_id, "fine")).toBeUndefined();
  });

  it("counts re-imported events as duplicates", async () => {
    const { environment_id } = await environmentCreate(store, "import-twice");
    const events = userEvents(4);
    const path = writeJsonl("twice.jsonl", events);
    expect(await importEvents(store, environment_id, path, { now: NOW })).toEqual({
      accepted: events.length,
      duplicates: 0,
    });
    expect(await importEvents(store, environment_id, path, { now: NOW })).toEqual({
      accepted: 0,
      duplicates: events.length,
    });
    expect(await userCount(environment_id)).toBe(4);
  });

  it("refuses an unknown environment or a missing file", async () => {
    const path = writeJsonl("one.jsonl", userEvents(1));
    await expect(importEvents(store, "env_nope", path)).rejects.toThrow(/unknown environment/);
    const { environment_id } = await environmentCreate(store, "import-missing");
    await expect(importEvents(store, environment_id, join(dir, "absent.jsonl"))).rejects.toThrow(CliError);
  });
});
