import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { HttpError } from "../http/types.js";
import type { Store } from "../storage/client.js";
import type { UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";

/**
 * `user_signup_query_parameters` of CONTRACT §6: the parameters sent at sign-up (`{}` when none); a user that is
 * unknown or deleted is a 404, like everywhere a current user is looked up.
 */
export async function signupQueryParameters(
  store: Store,
  environmentId: string,
  userId: string,
): Promise<{ user_signup_query_parameters: Record<string, string> }> {
  const got = await store.doc.send(
    new GetCommand({
      TableName: store.tables.entities,
      Key: keys.user(environmentId, userId),
      ProjectionExpression: "signup_query_parameters, deleted_at",
    }),
  );
  const user = got.Item as Pick<UserItem, "signup_query_parameters" | "deleted_at"> | undefined;
  if (!user || user.deleted_at !== undefined) throw new HttpError(404, { error: "not_found" });
  return { user_signup_query_parameters: user.signup_query_parameters ?? {} };
}
