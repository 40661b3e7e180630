import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "./client.js";
import type { UserItem } from "./items.js";
import { keys } from "./tableDesign.js";

/** A user as stored, with its sign-up index key while it is listed. */
export type StoredUser = UserItem & { gsi1sk?: string };

/** A current user of the environment (one GetItem); undefined when unknown or deleted. */
export async function getCurrentUser(
  store: Store,
  environmentId: string,
  userId: string,
): Promise<StoredUser | undefined> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.user(environmentId, userId) }),
  );
  const user = got.Item as StoredUser | undefined;
  return user && user.deleted_at === undefined ? user : undefined;
}
