import { type ApiCredentials, ApiError, fetchSignupParameters, fetchUser } from "../api.js";
import { formatIso } from "../format.js";
import { Empty, ErrorMessage, Loading } from "../states.js";
import { TableWrap } from "../tableWrap.js";
import { useRequest } from "../useRequest.js";

/** `#/users/<id>`: the v2 user object and the user's sign-up query parameters. */
export function UserDetails({ credentials, userId }: { credentials: ApiCredentials; userId: string }) {
  const state = useRequest(
    (signal) =>
      Promise.all([fetchUser(credentials, userId, signal), fetchSignupParameters(credentials, userId, signal)]),
    [credentials, userId],
  );
  if (state.status === "loading") return <Loading what="the user" />;
  if (state.status === "error") {
    const gone = state.error.status === 404;
    return (
      <>
        <h1>User {userId}</h1>
        {gone ? (
          <p class="state error" role="alert">
            There is no user {userId}: it was never created or has been deleted.
          </p>
        ) : (
          <ErrorMessage error={state.error instanceof ApiError ? state.error : new ApiError(0, "Failed", null)} />
        )}
      </>
    );
  }
  const [user, { userSignupQueryParameters: signup }] = state.data;
  const signupEntries = Object.entries(signup);
  return (
    <>
      <h1>{user.username ?? user._id}</h1>
      <section class="panel" aria-labelledby="user-title">
        <h2 id="user-title">User</h2>
        <dl class="fields">
          <dt>User id</dt>
          <dd>{user._id}</dd>
          <dt>Username</dt>
          <dd>{user.username ?? "—"}</dd>
          <dt>Email</dt>
          <dd>{user.email ?? "—"}</dd>
          <dt>Name</dt>
          <dd>{[user.firstName, user.lastName].filter(Boolean).join(" ") || "—"}</dd>
          <dt>Signed up</dt>
          <dd>{formatIso(user._createdOn)}</dd>
          <dt>Last modified</dt>
          <dd>{formatIso(user._lastModifiedOn)}</dd>
        </dl>
        <h3>Profile</h3>
        {Object.keys(user.profile).length === 0 ? (
          <Empty>No profile fields.</Empty>
        ) : (
          <pre class="json">{JSON.stringify(user.profile, null, 2)}</pre>
        )}
      </section>
      <section class="panel" aria-labelledby="signup-title">
        <h2 id="signup-title">Sign-up query parameters</h2>
        {signupEntries.length === 0 ? (
          <Empty>None were sent at sign-up.</Empty>
        ) : (
          <TableWrap label="Sign-up query parameters">
            <table>
              <thead>
                <tr>
                  <th scope="col">Parameter</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {signupEntries.map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
