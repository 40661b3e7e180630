import { type ApiCredentials, fetchActiveUserCount, listUsers, type User } from "../api.js";
import { formatIso, formatNumber } from "../format.js";
import { href, navigate } from "../router.js";
import { Empty, Load } from "../states.js";
import { TableWrap } from "../tableWrap.js";
import { useRequest } from "../useRequest.js";

const LIMITS = [10, 25, 50, 100];

/** `#/users?limit=25[&cursor=<the API's pagination.next or .previous>]` */
export function Users({ credentials, params }: { credentials: ApiCredentials; params: URLSearchParams }) {
  const limit = LIMITS.includes(Number(params.get("limit"))) ? Number(params.get("limit")) : 25;
  const cursor = params.get("cursor") ?? undefined;
  const stats = useRequest(
    (signal) =>
      Promise.all([
        fetchActiveUserCount(credentials, undefined, signal),
        fetchActiveUserCount(credentials, 7, signal),
        fetchActiveUserCount(credentials, 30, signal),
      ]),
    [credentials],
  );
  const page = useRequest(
    (signal) => listUsers(credentials, cursor ?? { limit }, signal),
    [credentials, cursor, limit],
  );

  return (
    <>
      <h1>Users</h1>
      <section class="panel" aria-labelledby="usage-title">
        <h2 id="usage-title">Usage statistics</h2>
        <Load state={stats} what="usage statistics">
          {([now, week, month]) => (
            <dl class="stats">
              <div>
                <dt>Users now</dt>
                <dd>{formatNumber(now)}</dd>
              </div>
              <div>
                <dt>Active in the last 7 days</dt>
                <dd>{formatNumber(week)}</dd>
              </div>
              <div>
                <dt>Active in the last 30 days</dt>
                <dd>{formatNumber(month)}</dd>
              </div>
            </dl>
          )}
        </Load>
      </section>
      <section class="panel" aria-labelledby="users-title">
        <h2 id="users-title">All users, in sign-up order</h2>
        <div class="controls">
          <label>
            Users per page
            <select name="limit" value={limit} onChange={(e) => navigate(["users"], { limit: e.currentTarget.value })}>
              {LIMITS.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
        </div>
        <Load state={page} what="users">
          {(body) => (
            <>
              {body.data.length === 0 ? <Empty>No users here.</Empty> : <UserList users={body.data} />}
              <nav class="pager" aria-label="User pages">
                <button
                  type="button"
                  disabled={!body.pagination.previous}
                  onClick={() => navigate(["users"], { limit, cursor: body.pagination.previous })}
                >
                  Previous
                </button>
                <button
                  type="button"
                  disabled={!body.pagination.next}
                  onClick={() => navigate(["users"], { limit, cursor: body.pagination.next })}
                >
                  Next
                </button>
              </nav>
            </>
          )}
        </Load>
      </section>
    </>
  );
}

function UserList({ users }: { users: User[] }) {
  return (
    <TableWrap label="Users">
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Signed up</th>
            <th scope="col">Last modified</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u._id} data-subject-id={u._id}>
              <th scope="row">
                <a href={href(["users", u._id])}>{u.username ?? u._id}</a>
                <span class="sub">{u._id}</span>
              </th>
              <td>{u.email ?? "—"}</td>
              <td>{[u.firstName, u.lastName].filter(Boolean).join(" ") || "—"}</td>
              <td>{formatIso(u._createdOn)}</td>
              <td>{formatIso(u._lastModifiedOn)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
