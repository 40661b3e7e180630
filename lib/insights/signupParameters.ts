import { HttpError } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { getCurrentUser } from "../storage/currentUser.js";

/**
 * `user_signup_query_parameters` of CONTRACT §6: the parameters sent at sign-up (`{}` when none); a user that is
 * unknown or deleted is a 404, like everywhere a current user is looked up.
 */
export async function signupQueryParameters(
  store: Store,
  environmentId: string,
  userId: string,
): Promise<{ user_signup_query_parameters: Record<string, string> }> {
  const user = await getCurrentUser(store, environmentId, userId);
  if (!user) throw new HttpError(404, { error: "not_found" });
  return { user_signup_query_parameters: JSON.parse(user.signup_query_parameters_json ?? "{}") };
}
