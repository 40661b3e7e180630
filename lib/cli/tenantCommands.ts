import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { removeTenantKey } from "../limits/gatewayTiers.js";
import type { Store } from "../storage/client.js";
import { type DeletionProgress, runDeletionJob, startEnvironmentDeletion } from "../tenants/deletion.js";
import { eraseUser, UnknownUserError } from "../tenants/erasure.js";
import { ExportFileError, exportEnvironment } from "../tenants/export.js";
import { CliError } from "./errors.js";
import type { Gateway } from "./limitsCommands.js";

/**
 * `environment export` and `environment delete` (README "Deleting a tenant"). On AWS the deletion job is queued
 * (DELETION_QUEUE_URL, a stack output) and its worker removes the data; locally it runs here, to the end.
 */

/** A deployed SQS queue the CLI sends a job to (the deletion queue, the webhook dispatch queue). */
export interface JobQueue {
  client: SQSClient;
  url: string;
}

/**
 * Queued jobs wait this long before they start: every request that passed its credential check before the
 * revocation (≤ 25 s, the handlers' timeout) and every report refresh already running (≤ 5 min) has finished by
 * then, so nothing writes behind the deletion's scan.
 */
export const DELETION_DELAY_SECONDS = 900;

export async function environmentExport(store: Store, environmentId: string, file: string) {
  try {
    return await exportEnvironment(store, environmentId, file);
  } catch (error) {
    if (error instanceof ExportFileError) throw new CliError(error.message);
    throw error;
  }
}

export async function environmentDelete(
  store: Store,
  environmentId: string,
  confirm: string,
  options: { gateway?: Gateway; queue?: JobQueue; onProgress?: (progress: DeletionProgress) => void } = {},
): Promise<object> {
  if (confirm !== environmentId) {
    throw new CliError("--confirm must repeat the environment id: deleting an environment cannot be undone");
  }
  const started = await startEnvironmentDeletion(store, environmentId);
  // Its gateway key goes too: requests with a cached authorizer answer are refused by the gateway at once.
  if (options.gateway) await removeTenantKey(options.gateway.client, options.gateway.target, environmentId);
  if (options.queue) {
    await options.queue.client.send(
      new SendMessageCommand({
        QueueUrl: options.queue.url,
        MessageBody: JSON.stringify({ job: "delete_environment", environment_id: environmentId }),
        DelaySeconds: DELETION_DELAY_SECONDS,
      }),
    );
    return { environment_id: environmentId, ...started, queued: true };
  }
  const result = await runDeletionJob(store, environmentId, { onProgress: options.onProgress });
  return {
    environment_id: environmentId,
    ...started,
    deleted_items: result.deleted,
    scanned_items: result.scanned,
    done: result.done,
  };
}

/** `user erase --environment ID --user-id U` (lib/tenants/erasure.ts). */
export async function userErase(store: Store, environmentId: string, userId: string) {
  try {
    return await eraseUser(store, environmentId, userId);
  } catch (error) {
    if (error instanceof UnknownUserError) throw new CliError(error.message);
    throw error;
  }
}
