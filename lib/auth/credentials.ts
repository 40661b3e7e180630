import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type {
  ApiKeyItem,
  ApiKeyPermission,
  CurrentReportItem,
  EnvironmentItem,
  UserTokenItem,
} from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { newId, newSecret, secretId, secretMatches, sha256 } from "./secrets.js";

/**
 * Environments, API keys and user tokens (CONTRACT §0): created here, verified here, by every route family.
 */

const API_KEY_PREFIX = "eik";
const USER_TOKEN_PREFIX = "eut";
export const ALL_API_KEY_PERMISSIONS: ApiKeyPermission[] = ["read", "ingest"];
export const DASHBOARD_PERMISSION = "view-engagement-dashboard";

export interface Principal {
  environmentId: string;
  permissions: string[];
}

export async function createEnvironment(
  store: Store,
  name: string,
  now = Date.now(),
): Promise<{ environment_id: string; api_key: string }> {
  const environmentId = newId("env");
  const environment: EnvironmentItem = { environment_id: environmentId, name, created_at: now };
  // A new environment has empty snapshots whose report_time is its creation (CONTRACT §7).
  const emptySnapshot: CurrentReportItem = { report_id: "initial", report_time: toUnixSeconds(now), counts: {} };
  await store.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: store.tables.entities,
            Item: { ...keys.environment(environmentId), ...environment },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName: store.tables.entities, Item: { ...keys.environmentListing(environmentId), name } } },
        { Put: { TableName: store.tables.entities, Item: { ...keys.currentReport(environmentId), ...emptySnapshot } } },
      ],
    }),
  );
  const { api_key } = await createApiKey(store, environmentId, ALL_API_KEY_PERMISSIONS, now);
  return { environment_id: environmentId, api_key };
}

export async function getEnvironment(store: Store, environmentId: string): Promise<EnvironmentItem | undefined> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.environment(environmentId) }),
  );
  return got.Item as EnvironmentItem | undefined;
}

export class UnknownEnvironmentError extends Error {
  constructor(environmentId: string) {
    super(`unknown environment: ${environmentId}`);
  }
}

export async function requireEnvironment(store: Store, environmentId: string): Promise<void> {
  if (!(await getEnvironment(store, environmentId))) throw new UnknownEnvironmentError(environmentId);
}

/**
 * Stores a credential under its (random, so new) id, and lists it on its environment's partition in the same
 * transaction (so deleting the environment finds it); the condition guards the astronomically unlikely clash.
 */
async function putNewCredential(store: Store, kind: "KEY" | "TOKEN", id: string, item: ApiKeyItem | UserTokenItem) {
  const key = kind === "KEY" ? keys.apiKey(id) : keys.userToken(id);
  await store.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: store.tables.entities,
            Item: { ...key, ...item },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Put: {
            TableName: store.tables.entities,
            Item: { ...keys.environmentCredential(item.environment_id, kind, id), credential_pk: key.pk },
          },
        },
      ],
    }),
  );
}

/**
 * Revokes every API key and user token of an environment (deleting it): one Query of its credential listing, then
 * one update per credential. Returns how many were revoked. Items written before the listing existed are found by
 * the deletion job's scan and deleted with the rest.
 */
export async function revokeAllCredentials(store: Store, environmentId: string): Promise<number> {
  const listed = await queryAll<{ credential_pk: string; sk: string }>(store, {
    TableName: store.tables.entities,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.environmentCredentialsPk(environmentId) },
  });
  await mapLimit(listed, 8, async ({ credential_pk }) => {
    try {
      await store.doc.send(
        new UpdateCommand({
          TableName: store.tables.entities,
          Key: { pk: credential_pk, sk: credential_pk.startsWith("KEY#") ? "KEY" : "TOKEN" },
          UpdateExpression: "SET revoked = :true",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":true": true },
        }),
      );
    } catch (error) {
      // Already deleted (a resumed deletion): nothing left to revoke.
      if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
    }
  });
  return listed.length;
}

export async function createApiKey(
  store: Store,
  environmentId: string,
  permissions: ApiKeyPermission[] = ALL_API_KEY_PERMISSIONS,
  now = Date.now(),
): Promise<{ api_key: string; permissions: ApiKeyPermission[] }> {
  await requireEnvironment(store, environmentId);
  const { id, secret } = newSecret(API_KEY_PREFIX);
  const item: ApiKeyItem = {
    key_id: id,
    environment_id: environmentId,
    secret_sha256: sha256(secret),
    permissions: [...new Set(permissions)],
    revoked: false,
    created_at: now,
  };
  await putNewCredential(store, "KEY", id, item);
  return { api_key: secret, permissions: item.permissions };
}

/** Revokes a key of the environment; false when the key is not one of its keys. */
export async function revokeApiKey(store: Store, environmentId: string, apiKey: string): Promise<boolean> {
  const found = await findApiKey(store, apiKey);
  if (!found || found.environment_id !== environmentId) return false;
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tables.entities,
      Key: keys.apiKey(found.key_id),
      UpdateExpression: "SET revoked = :true",
      ExpressionAttributeValues: { ":true": true },
    }),
  );
  return true;
}

async function findApiKey(store: Store, presented: string): Promise<ApiKeyItem | undefined> {
  const id = secretId(API_KEY_PREFIX, presented);
  if (!id) return undefined;
  const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.apiKey(id) }));
  const item = got.Item as ApiKeyItem | undefined;
  return item && secretMatches(presented, item.secret_sha256) ? item : undefined;
}

/** The environment and permissions of a presented API key; undefined when unknown, wrong or revoked. */
export async function verifyApiKey(store: Store, presented: string | undefined): Promise<Principal | undefined> {
  if (!presented) return undefined;
  const item = await findApiKey(store, presented);
  if (!item || item.revoked) return undefined;
  return { environmentId: item.environment_id, permissions: item.permissions };
}

export async function createUserToken(
  store: Store,
  environmentId: string,
  userId: string,
  permissions: string[] = [DASHBOARD_PERMISSION],
  now = Date.now(),
): Promise<{ user_id: string; auth_token: string }> {
  await requireEnvironment(store, environmentId);
  const { id, secret } = newSecret(USER_TOKEN_PREFIX);
  const item: UserTokenItem = {
    token_id: id,
    environment_id: environmentId,
    user_id: userId,
    secret_sha256: sha256(secret),
    permissions: [...new Set(permissions)],
    revoked: false,
    created_at: now,
  };
  await putNewCredential(store, "TOKEN", id, item);
  return { user_id: userId, auth_token: secret };
}

/** The environment and permissions of a dashboard user's token; undefined when either header is wrong. */
export async function verifyUserToken(
  store: Store,
  userId: string | undefined,
  token: string | undefined,
): Promise<Principal | undefined> {
  if (!userId || !token) return undefined;
  const id = secretId(USER_TOKEN_PREFIX, token);
  if (!id) return undefined;
  const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.userToken(id) }));
  const item = got.Item as UserTokenItem | undefined;
  if (!item || item.revoked || !secretMatches(token, item.secret_sha256)) return undefined;
  if (!secretMatches(userId, sha256(item.user_id))) return undefined;
  return { environmentId: item.environment_id, permissions: item.permissions };
}

/** Bearer token of an `Authorization` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * The user name of `Authorization: Basic base64(user:password)`: how Segment's libraries present a write key (the
 * key as user name, the password empty; CONTRACT §11). The password is not read.
 */
export function basicUserName(header: string | undefined): string | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  return user.length > 0 ? user : undefined;
}
