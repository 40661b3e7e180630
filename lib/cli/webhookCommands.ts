import { requireEnvironment } from "../auth/credentials.js";
import type { Store } from "../storage/client.js";
import type { SecretBox } from "../webhooks/secretBox.js";
import {
  addWebhook,
  listWebhooks,
  publicWebhook,
  removeWebhook,
  WebhookInputError,
} from "../webhooks/subscriptions.js";
import { CliError } from "./errors.js";

/**
 * `webhook add|list|remove` (CONTRACT §12): the secret is printed by `add` only, once; `list` never shows it.
 * `deployed` (WEBHOOK_KMS_KEY_ID set: the CLI talks to a deployment) allows https only, never to a private or
 * loopback address; locally http to a loopback receiver is allowed too.
 */

export interface WebhookSecrets {
  box: SecretBox;
  deployed: boolean;
}

export async function webhookAdd(
  store: Store,
  secrets: WebhookSecrets,
  environmentId: string,
  url: string,
  reports: string,
) {
  try {
    return await addWebhook(store, secrets.box, environmentId, { url, reports, deployed: secrets.deployed });
  } catch (error) {
    if (error instanceof WebhookInputError) throw new CliError(error.message);
    throw error;
  }
}

export async function webhookList(store: Store, environmentId: string) {
  await requireEnvironment(store, environmentId);
  return { webhooks: (await listWebhooks(store, environmentId)).map(publicWebhook) };
}

export async function webhookRemove(store: Store, environmentId: string, webhookId: string) {
  if (!(await removeWebhook(store, environmentId, webhookId)))
    throw new CliError(`no webhook ${webhookId} in environment ${environmentId}`);
  return { removed: true };
}
