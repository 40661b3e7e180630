import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { createEnvironment, createUserToken, DASHBOARD_PERMISSION, getEnvironment } from "../auth/credentials.js";
import { ingestEvents } from "../ingest/ingest.js";
import type { Store } from "../storage/client.js";
import { type DemoOptions, generateDemoEvents } from "./generate.js";

/** What `.data/demo-credentials.json` holds (CONTRACT §0 "Local run"). */
export interface DemoCredentials {
  environment_id: string;
  api_key: string;
  user_id: string;
  auth_token: string;
}

export const DEMO_DASHBOARD_USER = "demo-admin";
const BATCH_SIZE = 1000;

async function readCredentials(path: string): Promise<DemoCredentials | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<DemoCredentials>;
    const complete = ["environment_id", "api_key", "user_id", "auth_token"].every(
      (key) => typeof parsed[key as keyof DemoCredentials] === "string",
    );
    return complete ? (parsed as DemoCredentials) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The demo environment of the local server: the one in `credentialsPath` if it still exists in the store, else a
 * new one with generated history. The file is written only once the history is fully ingested, so an interrupted
 * first start simply starts over next time.
 */
export async function ensureDemoEnvironment(
  store: Store,
  credentialsPath: string,
  options: { now?: number; demo?: Omit<DemoOptions, "now">; log?: (line: string) => void } = {},
): Promise<{ credentials: DemoCredentials; created: boolean }> {
  const existing = await readCredentials(credentialsPath);
  if (existing && (await getEnvironment(store, existing.environment_id))) {
    return { credentials: existing, created: false };
  }
  const now = options.now ?? Date.now();
  const log = options.log ?? (() => {});
  const { environment_id, api_key } = await createEnvironment(store, "demo", now);
  const { user_id, auth_token } = await createUserToken(store, environment_id, DEMO_DASHBOARD_USER, [
    DASHBOARD_PERMISSION,
  ]);
  const events = generateDemoEvents({ ...options.demo, now });
  log(`Generating demo history: ${events.length} events...`);
  for (let i = 0; i < events.length; i += BATCH_SIZE) {
    await ingestEvents(store, environment_id, events.slice(i, i + BATCH_SIZE), now);
    log(`  ingested ${Math.min(i + BATCH_SIZE, events.length)}/${events.length}`);
  }
  const credentials: DemoCredentials = { environment_id, api_key, user_id, auth_token };
  await mkdir(dirname(credentialsPath), { recursive: true });
  const temporary = `${credentialsPath}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, credentialsPath);
  return { credentials, created: true };
}
