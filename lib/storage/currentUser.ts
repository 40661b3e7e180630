import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { isStorableId } from "../validation/ids.js";
import type { Store } from "./client.js";
import type { UserItem } from "./items.js";
import { keys } from "./tableDesign.js";
import { joinUser, profileOf } from "./userProfile.js";

/** A user as stored, with its sign-up index key while it is listed. */
export type StoredUser = UserItem & { gsi1sk?: string };

/**
 * A current user of the environment (one GetItem, two when its profile is apart); undefined when unknown or deleted, and without a read when the
 * id is one ingestion never accepts (DynamoDB would refuse the key: a 500 instead of "no such user").
 */
export async function getCurrentUser(
  store: Store,
  environmentId: string,
  userId: string,
): Promise<StoredUser | undefined> {
  if (!isStorableId(userId)) return undefined;
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.user(environmentId, userId) }),
  );
  const user = got.Item as StoredUser | undefined;
  if (!user || user.deleted_at !== undefined) return undefined;
  // A large profile lives on its own item (userProfile.ts): one more GetItem for those users only.
  return user.profile_apart ? joinUser(user, await profileOf(store, environmentId, userId)) : user;
}
