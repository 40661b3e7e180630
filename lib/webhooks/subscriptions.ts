import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { requireEnvironment } from "../auth/credentials.js";
import { newId } from "../auth/secrets.js";
import { REPORTS, type ReportName } from "../reports/definitions.js";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { isAllowedAddress, isLoopbackAddress } from "./addresses.js";
import type { SecretBox } from "./secretBox.js";

/**
 * Webhook subscriptions (CONTRACT §12): what `webhook add|list|remove` stores, one item per webhook in its
 * environment's partition `E#{E}#WH` (tableDesign.ts), so the dispatch finds an environment's webhooks with one
 * Query, the delivery worker one webhook with one GetItem, and deleting the environment deletes them with the rest.
 * The signing secret is generated here, returned once, and stored sealed (secretBox.ts).
 */

export interface WebhookItem {
  webhook_id: string;
  url: string;
  /** Subscribed report × intervals, as `user_report.churn.7`. */
  reports: string[];
  /** The `whsec_` secret, sealed (secretBox.ts); never returned by list. */
  secret_sealed: string;
  created_at: string;
}

export interface ReportSubscription {
  report: ReportName;
  interval: string;
}

/** An environment keeps at most this many webhooks: the dispatch after every refresh reads each one's reports. */
export const MAX_WEBHOOKS_PER_ENVIRONMENT = 20;
const MAX_URL_LENGTH = 2048;

export class WebhookInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookInputError";
  }
}

/** `user_report.churn.7` → {report: "user_report/churn", interval: "7"}; refuses what no report × interval is. */
export function parseReportName(name: string): ReportSubscription {
  const [family, report, interval, ...more] = name.split(".");
  const definition = REPORTS.find((r) => r.name === `${family}/${report}`);
  if (!definition || interval === undefined || more.length > 0) {
    if (definition) {
      throw new WebhookInputError(
        `unknown report × interval "${name}": ${family}.${report} takes an interval, one of ${definition.intervals.join(", ")}`,
      );
    }
    throw new WebhookInputError(
      `unknown report "${name}": expected REPORT.INTERVAL, a report one of ${REPORTS.map((r) => r.name.replace("/", ".")).join(", ")} (e.g. user_report.churn.7)`,
    );
  }
  if (!definition.intervals.includes(interval)) {
    throw new WebhookInputError(
      `unknown report × interval "${name}": ${family}.${report} has intervals ${definition.intervals.join(", ")}`,
    );
  }
  return { report: definition.name, interval };
}

/** The comma-separated `--reports` list: each name once, in the order given. */
export function parseReportList(list: string): string[] {
  const names = [...new Set(list.split(",").map((n) => n.trim()))].filter((n) => n !== "");
  if (names.length === 0) throw new WebhookInputError("--reports names no report (e.g. user_report.churn.7)");
  for (const name of names) parseReportName(name);
  return names;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

/**
 * A receiver URL: https; in the stack (`deployed`) never to an address the delivery may not reach (addresses.ts;
 * a host name is checked again, resolved, at each delivery), locally also http to a loopback host.
 */
export function validateWebhookUrl(raw: string, options: { deployed: boolean }): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookInputError(`--url is not a URL: ${JSON.stringify(raw)}`);
  }
  if (raw.length > MAX_URL_LENGTH) throw new WebhookInputError(`--url is longer than ${MAX_URL_LENGTH} characters`);
  if (url.username || url.password) throw new WebhookInputError("--url must not carry a user name or password");
  const host = hostOf(url);
  const loopbackHost = host === "localhost" || (isIP(host) !== 0 && isLoopbackAddress(host));
  if (url.protocol === "http:") {
    if (options.deployed || !loopbackHost)
      throw new WebhookInputError("--url must be https (http is allowed only to a loopback host, locally)");
  } else if (url.protocol !== "https:") {
    throw new WebhookInputError("--url must be https");
  }
  if (options.deployed && (host === "localhost" || (isIP(host) !== 0 && !isAllowedAddress(host))))
    throw new WebhookInputError(`--url names a private, loopback or reserved address (${host}): refused`);
  if (!options.deployed && isIP(host) !== 0 && !isAllowedAddress(host, { allowLoopback: true }))
    throw new WebhookInputError(`--url names a private or reserved address (${host}): refused`);
  return url.toString();
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString("base64")}`;

/** What a sealed secret is bound to: it opens only for this webhook of this environment. */
export const secretContext = (environmentId: string, webhookId: string) => ({
  environment_id: environmentId,
  webhook_id: webhookId,
});

export async function listWebhooks(store: Store, environmentId: string): Promise<WebhookItem[]> {
  return queryAll<WebhookItem>(store, {
    TableName: store.tables.entities,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.webhooksPk(environmentId) },
    ConsistentRead: true,
  });
}

export async function getWebhook(store: Store, environmentId: string, webhookId: string) {
  const got = await store.doc.send(
    new GetCommand({
      TableName: store.tables.entities,
      Key: keys.webhook(environmentId, webhookId),
      ConsistentRead: true,
    }),
  );
  return got.Item as WebhookItem | undefined;
}

export async function addWebhook(
  store: Store,
  box: SecretBox,
  environmentId: string,
  input: { url: string; reports: string; deployed: boolean },
  nowMs = Date.now(),
): Promise<{ webhook_id: string; secret: string }> {
  const url = validateWebhookUrl(input.url, { deployed: input.deployed });
  const reports = parseReportList(input.reports);
  await requireEnvironment(store, environmentId);
  if ((await listWebhooks(store, environmentId)).length >= MAX_WEBHOOKS_PER_ENVIRONMENT)
    throw new WebhookInputError(`an environment has at most ${MAX_WEBHOOKS_PER_ENVIRONMENT} webhooks`);
  const webhookId = newId("wh");
  const secret = newWebhookSecret();
  const item: WebhookItem = {
    webhook_id: webhookId,
    url,
    reports,
    secret_sealed: await box.seal(secret, secretContext(environmentId, webhookId)),
    created_at: new Date(nowMs).toISOString(),
  };
  await store.doc.send(
    new PutCommand({
      TableName: store.tables.entities,
      Item: { ...keys.webhook(environmentId, webhookId), ...item },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { webhook_id: webhookId, secret };
}

/** What `webhook list` shows of a webhook: never its secret. */
export const publicWebhook = (w: WebhookItem) => ({
  webhook_id: w.webhook_id,
  url: w.url,
  reports: w.reports,
  created_at: w.created_at,
});

/** Removes a webhook; deliveries still queued for it find it gone and are dropped. */
export async function removeWebhook(store: Store, environmentId: string, webhookId: string): Promise<boolean> {
  const removed = await store.doc.send(
    new DeleteCommand({
      TableName: store.tables.entities,
      Key: keys.webhook(environmentId, webhookId),
      ReturnValues: "ALL_OLD",
    }),
  );
  return removed.Attributes !== undefined;
}
