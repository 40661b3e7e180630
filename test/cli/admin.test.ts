import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { getEnvironment, verifyApiKey } from "../../lib/auth/credentials.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { DAY_MS } from "../../lib/time.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { testStore } from "../helpers/store.js";

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

/** The admin CLI in-process, on this file's tables. */
function admin(...argv: string[]) {
  return runAdminCaptured(argv, { store: () => store });
}

/** `npx tsx scripts/admin.ts ...` as an operator runs it, pointed at this file's tables. */
function spawnAdmin(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "scripts/admin.ts", ...argv], {
      env: {
        ...process.env,
        DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
        TABLE_PREFIX: store.tables.entities.replace(/entities$/, ""),
        AWS_REGION: "us-east-1",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** stderr without npm's own notices about the machine's npm configuration. */
const ownLines = (stderr: string) => stderr.split("\n").filter((line) => line !== "" && !line.startsWith("npm warn"));

describe("admin CLI process", () => {
  it("environment create prints one JSON object and exits 0", async () => {
    const { code, stdout, stderr } = await spawnAdmin("environment", "create", "--name", "x");
    expect(ownLines(stderr)).toEqual([]);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { environment_id: string; api_key: string };
    expect(Object.keys(printed).sort()).toEqual(["api_key", "environment_id"]);
    expect((await getEnvironment(store, printed.environment_id))?.name).toBe("x");
    expect((await verifyApiKey(store, printed.api_key))?.environmentId).toBe(printed.environment_id);
  });

  it("an unknown environment is one line on stderr and a non-zero exit", async () => {
    const { code, stdout, stderr } = await spawnAdmin("api-key", "create", "--environment", "env_nope");
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(ownLines(stderr)).toEqual(["error: unknown environment: env_nope"]);
  });
});

describe("admin CLI commands", () => {
  it("has --help on every command", async () => {
    for (const command of [
      [],
      ["environment", "create"],
      ["environment", "delete-status"],
      ["environment", "limits-audit"],
      ["api-key", "create"],
      ["api-key", "revoke"],
      ["user-token", "create"],
      ["import"],
      ["refresh"],
    ]) {
      const { code, stdout } = await admin(...command, "--help");
      expect(code, command.join(" ")).toBe(0);
      expect(stdout).toMatch(/Usage:/);
    }
  });

  it("reports a missing command, or a group's missing command, as one line, exit 1 (not the whole help)", async () => {
    for (const [argv, message] of [
      [[], "error: a command is required: environment, user, api-key, user-token, import, webhook, refresh"],
      [["environment"], "error: `environment` needs a command: create, set-limits,"],
      [["user"], "error: `user` needs a command: erase"],
      [["nope"], "error: unknown command 'nope'"],
    ] as const) {
      const { code, stderr } = await admin(...argv);
      expect({ argv, code }).toEqual({ argv, code: 1 });
      expect(ownLines(stderr)).toEqual([expect.stringContaining(message)]);
    }
  });

  it("reports a missing required option and a bad permission as one line, exit 1", async () => {
    const missing = await admin("environment", "create");
    expect(missing.code).toBe(1);
    expect(ownLines(missing.stderr)).toHaveLength(1);
    expect(missing.stderr).toMatch(/--name/);
    const created = JSON.parse((await admin("environment", "create", "--name", "p")).stdout);
    const bad = await admin(
      "api-key",
      "create",
      "--environment",
      created.environment_id,
      "--permissions",
      "read,admin",
    );
    expect(bad.code).toBe(1);
    expect(ownLines(bad.stderr)).toEqual(['error: unknown permission "admin": allowed are read, ingest']);
  });

  it("runs the credential commands end to end", async () => {
    const env = JSON.parse((await admin("environment", "create", "--name", "ops")).stdout);
    const key = await admin("api-key", "create", "--environment", env.environment_id, "--permissions", "ingest");
    expect(key.code).toBe(0);
    const printedKey = JSON.parse(key.stdout);
    expect(printedKey.permissions).toEqual(["ingest"]);
    const revoke = await admin(
      "api-key",
      "revoke",
      "--environment",
      env.environment_id,
      "--api-key",
      printedKey.api_key,
    );
    expect(JSON.parse(revoke.stdout)).toEqual({ revoked: true });
    expect(await verifyApiKey(store, printedKey.api_key)).toBeUndefined();
    const token = await admin("user-token", "create", "--environment", env.environment_id, "--user-id", "dash");
    expect(JSON.parse(token.stdout).user_id).toBe("dash");
  });

  it("imports a file, then refreshes the reports at --now", async () => {
    const env = JSON.parse((await admin("environment", "create", "--name", "imp")).stdout);
    const file = join(mkdtempSync(join(tmpdir(), "admin-")), "events.jsonl");
    writeFileSync(
      file,
      [
        {
          type: "user.created",
          user_id: "a",
          occurred_at: new Date(Date.now() - 3 * DAY_MS).toISOString(),
          event_id: "1",
        },
        {
          type: "user.active",
          user_id: "a",
          occurred_at: new Date(Date.now() - 2 * DAY_MS).toISOString(),
          event_id: "2",
        },
      ]
        .map((e) => JSON.stringify(e))
        .join("\n"),
    );
    const imported = await admin("import", "--environment", env.environment_id, file);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({ accepted: 2, duplicates: 0 });

    // An explicit --now before the environment's creation is served all the same: the operator asked for it.
    const now = new Date(Date.now() - DAY_MS).toISOString();
    const refreshed = await admin("refresh", "--environment", env.environment_id, "--now", now);
    expect(refreshed.stderr).toBe("");
    const printed = JSON.parse(refreshed.stdout);
    expect(printed).toEqual({ report_time: Math.floor(Date.parse(now) / 1000) });
    const current = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(env.environment_id) }),
    );
    expect(current.Item?.report_time).toBe(printed.report_time);
    // The user churned by --now − 1 day? No: its activity (2 days before now) lies 1 day before T, inside 7 days.
    const churn = current.Item?.counts as Record<string, number>;
    expect(Object.values(churn).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    const unknown = await admin("refresh", "--environment", "env_nope");
    expect(unknown.code).toBe(1);
    expect(ownLines(unknown.stderr)).toEqual(["error: unknown environment: env_nope"]);
  });

  it("prints each invalid line of an import and exits 1", async () => {
    const env = JSON.parse((await admin("environment", "create", "--name", "bad")).stdout);
    const file = join(mkdtempSync(join(tmpdir(), "admin-")), "bad.jsonl");
    writeFileSync(file, '{"type":"user.active","user_id":"a"}\n\nnot json\n{"type":"user.active"}\n');
    const result = await admin("import", "--environment", env.environment_id, file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(ownLines(result.stderr)).toEqual(["line 3: invalid JSON; line 4: user_id: is required"]);
  });
});
