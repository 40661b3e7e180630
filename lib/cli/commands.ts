import { SendMessageCommand } from "@aws-sdk/client-sqs";
import {
  createApiKey,
  createEnvironment,
  createUserToken,
  DASHBOARD_PERMISSION,
  requireEnvironment,
  revokeApiKey,
} from "../auth/credentials.js";
import { parseIso8601 } from "../iso8601.js";
import { refreshEnvironmentPointer } from "../reports/refresh.js";
import type { Store } from "../storage/client.js";
import type { ApiKeyPermission } from "../storage/items.js";
import { dispatchJobOf } from "../webhooks/dispatch.js";
import { CliError } from "./errors.js";
import type { JobQueue } from "./tenantCommands.js";

/**
 * The admin commands of CONTRACT §1 (except `import`, see importEvents.ts): each returns the one JSON object the
 * command prints, or throws CliError (or the credentials' UnknownEnvironmentError) with the one-line message for
 * stderr.
 */

export async function environmentCreate(
  store: Store,
  name: string,
  now = Date.now(),
): Promise<{ environment_id: string; api_key: string }> {
  if (name.trim() === "") throw new CliError("--name must not be empty");
  return createEnvironment(store, name, now);
}

export async function apiKeyCreate(
  store: Store,
  environmentId: string,
  permissions?: ApiKeyPermission[],
): Promise<{ api_key: string; permissions: ApiKeyPermission[] }> {
  return createApiKey(store, environmentId, permissions);
}

export async function apiKeyRevoke(store: Store, environmentId: string, apiKey: string): Promise<{ revoked: true }> {
  await requireEnvironment(store, environmentId);
  if (!(await revokeApiKey(store, environmentId, apiKey))) {
    throw new CliError(`no such API key in environment ${environmentId}`);
  }
  return { revoked: true };
}

export async function userTokenCreate(
  store: Store,
  environmentId: string,
  userId: string,
  permissions: string[] = [DASHBOARD_PERMISSION],
): Promise<{ user_id: string; auth_token: string }> {
  if (userId.trim() === "") throw new CliError("--user-id must not be empty");
  return createUserToken(store, environmentId, userId, permissions);
}

/**
 * `--now` of `refresh`: an ISO 8601 instant, from 1970 to now. A snapshot of a later instant would stay current
 * over every refresh until that instant (snapshots only move forward on their own), and report_time is unix seconds.
 */
export function parseNow(iso: string | undefined, now = Date.now()): number {
  if (iso === undefined) return now;
  const ms = parseIso8601(iso);
  if (ms === undefined) throw new CliError(`--now must be an ISO 8601 instant like 2026-03-12T16:00:00Z, got "${iso}"`);
  if (ms > now) throw new CliError(`--now must not be in the future, got "${iso}"`);
  if (ms < 0) throw new CliError(`--now must not be before 1970-01-01T00:00:00Z, got "${iso}"`);
  return ms;
}

/**
 * `refresh`: recomputes every report snapshot at `now` (CONTRACT §7, "the same" as the schedule's run) and, on a
 * deployment, queues the switched snapshot's webhook dispatch as the refresh worker does (CONTRACT §12).
 */
export async function refreshCommand(
  store: Store,
  environmentId: string,
  now: number,
  options: { replaceNewer: boolean; dispatchQueue?: JobQueue },
): Promise<{ report_time: number }> {
  const pointer = await refreshEnvironmentPointer(store, environmentId, now, { replaceNewer: options.replaceNewer });
  const job = dispatchJobOf(environmentId, pointer);
  if (job && options.dispatchQueue) {
    await options.dispatchQueue.client.send(
      new SendMessageCommand({ QueueUrl: options.dispatchQueue.url, MessageBody: JSON.stringify(job) }),
    );
  }
  return { report_time: pointer.report_time };
}
