/**
 * The table design: every DynamoDB key and access pattern of the service lives here.
 *
 * Three tables, each with generic string keys `pk` / `sk` so that one table can hold several item kinds:
 *
 *  - **entities**: environments, credentials, users, orgs, memberships, `event_id` markers and the pointer to the
 *    current report snapshot. GSI `bySignup` (users in sign-up order) and GSI `byLastActive` (users and orgs by
 *    their latest activity) are *sparse*: only items that carry the index keys appear in them, and a deleted user
 *    drops its index keys, so deleted users are never read by a listing.
 *  - **activity** ("keyed by day and report interval"): per-bucket sets of active users / orgs and sign-ups, one
 *    counter item per (metric, cadence, bucket), and day-partitioned logs of invites and membership changes.
 *  - **reports**: report snapshot rank chunks keyed by (snapshot, report, interval, chunk) and refresh-run counters;
 *    TTL attribute `expires_at`.
 *
 * `E` below is the environment id; every partition key starts with `E#{E}` so no query can cross tenants.
 * Days are `YYYY-MM-DD` (UTC), ISO weeks `YYYY-Www`, months `YYYY-MM`; they sort lexically in time order.
 *
 * | access pattern                                   | table / index           | key                                                        | cost                              |
 * |--------------------------------------------------|-------------------------|------------------------------------------------------------|-----------------------------------|
 * | environment by id                                | entities                | pk `E#{E}` sk `ENV`                                         | 1 GetItem                         |
 * | list environments (refresh dispatcher)           | entities                | pk `ENVS` sk `{E}`                                          | Query, ∝ environments             |
 * | environment's own request limits (set-limits)    | entities                | pk `E#{E}` sk `LIMITS`                                      | 1 GetItem                         |
 * | API key by key id (then hash compared)           | entities                | pk `KEY#{keyId}` sk `KEY`                                   | 1 GetItem                         |
 * | user token by token id (then hash compared)      | entities                | pk `TOKEN#{tokenId}` sk `TOKEN`                             | 1 GetItem                         |
 * | an environment's credentials (revoke all, delete)| entities                | pk `CREDS#{E}` sk `KEY#{keyId}` / `TOKEN#{tokenId}`         | Query ∝ its credentials           |
 * | environment deletion job (progress, resume), then| entities                | pk `DELETIONS` sk `{E}`                                     | 1 GetItem                         |
 * |   its completion record (delete-status, refresh) |                         |                                                            |                                   |
 * | user by id, with its org memberships             | entities                | pk `E#{E}#U#{user}` sk `USER` (memberships in its `orgs`)   | 1 GetItem                         |
 * | its profile, when over 512 bytes (userProfile.ts)| entities                | pk `E#{E}#U#{user}` sk `PROFILE`                            | 1 GetItem / BatchGet of a page's  |
 * | a batch's users and orgs (ingestion)             | entities                | the USER / ORG items above                                 | BatchGet, 1 call per 100          |
 * | users in sign-up order, cursor paging            | entities `bySignup`     | gsi1pk `E#{E}#USERS#{0–7}` gsi1sk `{created ISO}#{user}`  | 8 Queries ≤ n+1 keys, merged, + BatchGet |
 * | users / orgs by latest activity (the partial hour| entities `byLastActive` | gsi2pk `E#{E}#LA#U#{0–23}` or `E#{E}#LA#O`, gsi2sk `{ISO}#{id}` | Queries ∝ users returned, merged |
 * |   of `days=N`, churn, a tenant's orgs (refresh)) |                         |                                                            |                                   |
 * | org by id, with its members                      | entities                | pk `E#{E}#O#{org}` sk `ORG` / `MEMBER#{user}`               | GetItem / Query ∝ members         |
 * | `event_id` claimed? (its batch, its instant)      | entities                | pk `E#{E}#EV#{event_id}` sk `EV`                            | BatchGet, conditional Put         |
 * | ingestion batch pending or completed             | entities                | pk `E#{E}#BATCH#{batch}` sk `BATCH`                         | BatchGet, conditional Update      |
 * | batch resumed by a delivery that didn't create it| entities                | pk `E#{E}#BATCH#{batch}` sk `RESUMED` (hourGenerations.ts)  | 1 Put per resume; 1 GetItem       |
 * | a pending batch's own events (a retry carrying   | entities                | pk `E#{E}#BATCH#{batch}` sk `EVENTS#{digest}#{k}`, gzip,    | Put per ≤ 350 KB chunk; Query of  |
 * |   part of it applies the rest: batchEvents.ts)   |                         |   TTL `expires_at`; deleted when the batch completes        |   its chunks on such a resume     |
 * | number of existing users                         | entities                | pk `E#{E}` sk `COUNT#users`                                 | 1 GetItem                         |
 * | current report snapshot (id, time, row counts)   | entities                | pk `E#{E}` sk `REPORT#current`                              | 1 GetItem                         |
 * | an environment's webhooks (dispatch, list); one  | entities                | pk `E#{E}#WH` sk `{webhook_id}` (url, reports, sealed secret)| Query ∝ its webhooks (≤ 20) /     |
 * |   webhook (delivery worker, remove)              |                         |                                                            |   1 GetItem / 1 DeleteItem        |
 * | users / orgs active on a day (ids, min/max time) | activity                | pk `E#{E}#SET#{metric}#day#{day}` sk `{id}`                 | Query ∝ ids returned              |
 * | distinct users per clock hour and per two-hour   | activity                | pk `E#{E}#HC` sk `{YYYY-MM-DD}`, counts `hHH` (hour HH) and  | Query ∝ days with data (one item  |
 * |   group of a day (users-by-time; hourly-data on  |                         |   `gHH` (hours HH, HH+1; HH even), moved while the day is    |   each, ≤ 24 hours with data)     |
 * |   an even hour): a day without old-day activity  |                         |   live (today, yesterday): lib/ingest/activeHours.ts         |                                   |
 * | which old days received activity since their     | activity                | pk `E#{E}#HCGEN` sk `{YYYY-MM}`, a generation `dDD` per day  | Query ∝ months (read first, each  |
 * |   counts were derived (read before any member)   |                         |   (ADD per request, month): lib/ingest/hourGenerations.ts    |   consistent); ADD per month      |
 * | the same counts of an old day with a generation, | activity                | pk `E#{E}#HCD` sk `{YYYY-MM-DD}`, `hHH` / `gHH` and          | Query ∝ such days; once per       |
 * |   derived from its members by a reader           |                         |   `derived_gen` (lib/dashboard/storage.ts, hourSources.ts)   |   generation: its set, 1 Put      |
 * |   (≤ a budget of members per request; an         |                         |   unfinished: `part_gen`, `part_after`, `part_counts`        |   (≤ 100,000 members a request,   |
 * |   unfinished day resumes where it stopped)       |                         |   (lib/dashboard/hourRepair.ts)                              |   1 Update per unfinished day)    |
 * | users active in a cut hour (hourly-data at any   | activity                | the day set members: a user's first / last instant in each  | Query per day (≤ 2), ∝ its users  |
 * |   other instant: one group compares ids)         |                         |   hour HH of the day, attributes `hHHn` / `hHHx`            |                                   |
 * | users active per day of 8 days (weekly-data)     | activity                | the month counters `CNT` below                             | Query ∝ months (≤ 2)              |
 * | every metric's day/week/month counts of a month  | activity                | pk `E#{E}#CNT` sk `{YYYY-MM}` (monthCounters.ts)            | Query ∝ months that have data     |
 * | current users by the hour of their latest activity| activity                | pk `E#{E}#LAH` sk `{YYYY-MM-DDTHH}` (a count)                | Query ∝ hours asked (≤ N·24)      |
 * | invites in a window                              | activity                | pk `E#{E}#INV#{day}` sk `{ISO}#{eventKey}`                  | Query per day ∝ invites           |
 * | invites naming an email (erasure)                | activity                | pk `E#{E}#INVTO#{email hash}` sk `{ISO}#{eventKey}`         | Query ∝ those invites             |
 * | a user's erasure job; the unfinished ones (local)| entities                | pk `E#{E}#ERASE` sk `{user}`                                | GetItem / Query ∝ pending jobs    |
 * | membership changes in a window                   | activity                | pk `E#{E}#MC#{day}` sk `{ISO}#{eventKey}#{org}`             | Query per day ∝ changes           |
 * | deleted users by last activity (refresh: curves) | activity                | pk `E#{E}#DELU` sk `{last active ISO}#{user}`               | Query ∝ those active since        |
 * | deleted users by deletion (refresh: churn as of T)| activity                | pk `E#{E}#DELAT` sk `{deleted ISO}#{user}`                  | Query ∝ those deleted since T     |
 * | report page k: rank chunks of ranks [k·s, (k+1)·s)| reports                 | pk `E#{E}#R#{reportId}#{report}#{interval}#A{attempt}#C{chunk}` sk 0 | BatchGet ⌈s/20⌉+1 items   |
 * |   (a sharded churn list: its shards in rank order) |                         |   or `…#{interval}#S{shard}#A{attempt}#C{chunk}` (shard = its upper bound)| BatchGet ⌈s/20⌉+2 items |
 * |   (attempt: the part delivery the pointer names)  |                         |   (snapshots from before attempts: no `#A{attempt}`)        |                                   |
 * | refresh run: parts done, row counts, attempts    | reports                 | pk `E#{E}#RUN#{reportId}` sk 0                              | 1 Put, 1 Update per part          |
 * | user activity tallies of a run (sorted entries   | reports                 | pk `E#{E}#R#{reportId}#TALLY#{list}#A{attempt}` sk n (-1:   | Put per 1,000 entries; BatchGet of|
 * |   per id-range part, merged by the rows parts)    |                         |   the index of first entries)                              |   a slice's items                 |
 * | a list part's gathered records (user_invites,    | reports                 | pk `E#{E}#R#{reportId}#GATHER#{part}#A{attempt}` sk n       | Put per 500 records; Query of each|
 * |   org_activity, org_changes: listShards.ts)       |                         |   (records `[id, …numbers]`, JSON)                         |   counted gather, per rows part   |
 * | retention / lifecycle / stickiness of a snapshot | reports                 | pk `E#{E}#R#{reportId}#{entity}#{route}#{param}#A{attempt}` | 1 GetItem (+ the pointer)         |
 * |   (sharded refresh: attempt `merged`)            |                         |   sk 0                                                     |                                   |
 * | a curve shard's partial tallies (refresh merge)  | reports                 | pk `E#{E}#R#{reportId}#{entity}#tally@{to}#A{attempt}` sk 0 | BatchGet, 1 per shard, once a run |
 *
 * Ingestion's writes per event, in write units (a plain write of an item < 1 KB: 1; an item of a transaction: 2),
 * as `npm run bench` prints them ("write units per event by type": each event alone in its request, so the 2 units
 * of creating and completing its batch are included; in a request of 200 events they are ≈ 0.04 per event; since a
 * batch stores its events, lib/ingest/batchEvents.ts, add 2 more for that Put and its deletion at completion, ≈ 0.02
 * per event in a request of 200 as AWS bills them, which the bench's billing pass counts). The
 * bench's events fall on old days (before yesterday at the request's `now`): a new user-hour there costs the day's
 * generation (1, a plain ADD); on a live day it costs the day's hour counts in the transaction instead (2), and an
 * activity in a new hour inside the day's span a user write too (the figure after the slash):
 *
 * | event                                   | units | what                                                            |
 * |-----------------------------------------|-------|-----------------------------------------------------------------|
 * | any event with an `event_id`            | 1     | its claim (conditional Put, lib/ingest/claims.ts)               |
 * | user.created (new user)                 | 13/14 | batch 2, claim 1, day set 1, the day's generation 1;            |
 * |                                         |       | transaction: user, month counters, existing users, last-active  |
 * |                                         |       | hour (4 × 2)                                                    |
 * | user.active, first of its day           | 13/14 | batch 2, claim 1, day set 1, generation 1; transaction: user,   |
 * |                                         |       | month counters, last-active hour −1/+1 (4 × 2)                  |
 * | user.active, repeat in the same hour    | 5     | batch 2, claim 1, day set `max_at` 1, user 1 (no counter moves) |
 * | user.active, earlier that day, in an    | 4     | batch 2, claim 1, day set `min_at` (and its hour) 1             |
 * |   hour it already had                   |       |                                                                 |
 * | user.active, earlier that day or inside | 5/8   | batch 2, claim 1, day set member 1, generation 1 (live: a       |
 * |   its span, in a new hour               |       | transaction of the user, its calendar, and the hour counts)     |
 * | user.active, repeat in a later hour     | 11/12 | batch 2, claim 1, day set 1, generation 1; transaction: user,   |
 * |                                         |       | two last-active hour counters                                   |
 * | user.active, repeat inside one request  | 1     | its claim: the user, its day set and counters are written once  |
 * | user.updated / member added or removed  | 4 / 6 | batch 2, claim 1, user 1 (+ org member item 1, change log 1)    |
 * | user.invited                            | 5     | batch 2, claim 1, invite log 1, its index by invitee email hash |
 * | org.created                             | 8     | batch 2, claim 1, day set 1; transaction: org, month counters   |
 * | user.deleted                            | 11    | batch 2, claim 1, deleted-user markers 2 (by last activity, by  |
 * |                                         |       | deletion); transaction: user, existing users, hour counter      |
 * | user.erased (a listed user)             | 12    | as user.deleted, + its erasure job 1 (conditional Put)          |
 * | a duplicate                             | 0     | reads only                                                      |
 *
 * On the bench's mix (issue 10: ≈ 5 events per user, requests of 200 events) that is ≈ 3.5 units per event: claim
 * 1.0, day set members 1.05, users 0.4, month counters 0.4, last-active hours 0.4, the rest ≈ 0.25 (the invites'
 * index by invitee email adds ≈ 0.03: 15 % of users invite once, of ≈ 5 events each).
 * Those are the units of the old count (an item 1 unit whatever its size, a transaction's 2, no index writes). As
 * AWS bills them (issue 20; `npm run bench -- --only billing`, scripts/bench/billing.ts: item sizes rounded up to
 * 1 KB, an update the larger of before and after, ×2 in a transaction, + one write per index entry added, changed
 * or removed, two when its key moves) the same mix costs 4.45 units per event (1,000 users: claims 1.0, day members
 * 1.06, users 0.41 + their index entries 0.40, month counters 0.49, last-active hours 0.41, hour generations 0.18),
 * and "recent activity" (users with a 10 KB profile, each active once per request) 6.16: claim 1, day member 1, the
 * user's transactional write 2 (its item < 1 KB) and its `byLastActive` key move 2. That was ≈ 46 while the user
 * item carried its profile twice (state and a whole `prev_state`, ≈ 21 KB) and each activity in a new hour rewrote
 * it in a transaction (2 × 21 units): a profile over 512 bytes now lives on the user's `PROFILE` item, written only
 * when it changes (userProfile.ts), and a write's pre-image holds only the fields it changed (preImage.ts).
 * `bySignup` keeps keys only (it projected ALL: each user write also rewrote the whole user there); its readers fetch
 * the page's users by BatchGet. `bySignup` and the users of `byLastActive` are spread over 8 and 24 partitions by a
 * hash of the id (2 index writes per activity on one partition held a tenant to ≈ 250 events/s); readers merge the
 * shards in key order (indexShards.ts). The counter items a transaction moves are spread over COUNTER_SUB_ITEMS
 * sub-items: the ceiling per tenant is ≈ 8,300 events/s on the whole history (a `COUNT#users` sub-item) and ≈ 5,300
 * on recent activity (a `byLastActive` shard), was ≈ 2,100 / 250; the units are 4.45 and 6.16 (`npm run bench --
 * --only billing --users 1000`). Still over issue 20's ≤ 4 units: the recent mix's transaction and key move.
 * Clock hours (issue 21) add, for a live day (today or yesterday at the request's `now`), one transactional item per
 * (transaction, day) whose users enter a new clock hour: the day's hour counts `HC` (2 units, shared by every user
 * of the transaction active that day); for an older day, one plain ADD per (request, month) with such a day: the
 * month's generation item `HCGEN` (1 unit); nothing to an event that opens no new user-hour (the user's hour
 * calendar of its live days rides in its write). Measured as AWS bills it (`npm run bench -- --only billing --users
 * 1000`), hour-level items (HC + HCGEN) per event: whole history (each request carries ≈ 40 users' histories spread
 * over two years, ≈ 0.9 new user-hours per event on ≈ 150 days of ≈ 25 months) 1.69 when every day's counts moved
 * in the transactions → 0.198 (HC 0.001, HCGEN 0.197: ≈ 39 ADDs per request of 200 events, its ≈ 25 months and
 * again when a concurrent change makes a request write its members again), its total 6.11 → 4.43 units per event
 * (the HC items had also split requests into more transactions, repeating month counters: 0.72 → 0.52); recent
 * activity (every day live) 0.030 (HC), its total 48.13 → 47.34 (smaller user items). Both within issue 21's budget
 * of 0.3 (see "Clock hours counted like the days" below). In the old count (`npm run bench -- --users 1000`) the
 * mix is 5.38 → 3.64 units per event. A user item no longer grows with its history (584 bytes mean on the bench's
 * mix, 634 with a calendar of every active day's hours).
 *
 * Why the keys are shaped so:
 *  - *Days as partitions, counts by month.* A period of 12 years with data on three days must cost what has data:
 *    the counter partition `CNT` holds one item per month *that has data*, each with the counts of its days, weeks
 *    and month for every metric (≈ 150 numbers: < 1 KB), so a range Query over 4,000 possible days returns ≤ three
 *    items; the per-day set partitions are read only for the days whose count is not zero.
 *  - *Distinct counts without reading members, and without set transactions.* Each user and org item keeps its
 *    calendar of active days (a bitmap per year, lib/ingest/activeDays.ts); the active-set counts move by the
 *    difference between the calendar before and after a batch, in the transaction of the entity's versioned write,
 *    so they are exact under retries and concurrency like the existing-user count (a retry starts from the same
 *    state before, a concurrent change fails the version check). Day set items are plain idempotent writes (put if
 *    absent, bounds widened outward); weekly and monthly distinct counts come from the calendar, so they need no
 *    set items (a distinct weekly count is not the sum of daily ones, but "active on some day of the week" is).
 *  - *`days=N` without reading every active user.* Each current user counts in the hour of its latest activity: the
 *    counter moves (−1 old hour, +1 new hour, ±1 on creation and deletion) in the same transaction as the user's
 *    write, so it is exact under retries like the existing-user count. A count for the last N days is the hour
 *    counters of the whole hours since the boundary plus an exact index count of the one partial hour.
 *  - *Clock hours counted like the days, while they are live; then recomputed from the members.* users-by-time
 *    needs distinct users per clock hour over any period, and must cost what has data.
 *    Live days (today and yesterday, UTC, at the ingesting request's `now`): each user item keeps its calendar of
 *    clock hours of its last three days (lib/ingest/activeHours.ts: per day a 24-bit mask, 5 bytes; the days before
 *    the day before yesterday dropped by each write with live activity); the day's hour counts (`HC`: `hHH` per
 *    hour, `gHH` per two-hour group) move by the difference between the calendar before and after a batch, in the
 *    transaction of the user's versioned write, so they are exact for the same reasons as the day counts: a retry
 *    recomputes the difference from the same state before (the pre-image), a concurrent batch fails the version
 *    check and recomputes from the state it left, and a late event within the window is no special case (the
 *    calendar says whether its hour was counted; the day member's hour bounds can't: they are written before the
 *    transaction, by attempts that may never land). "Later than the user's last activity" alone would be exact in
 *    time order only.
 *    Old days: the day set members are the truth (each holds the user's first / last instant per clock hour of the
 *    day, written idempotently before anything else). An event on an old day moves no counter and leaves the
 *    calendar alone; after the members, ingestion bumps the day's *generation* (`HCGEN`, one item per month, `dDD`
 *    per day; lib/ingest/hourGenerations.ts): one plain ADD per (request, month), for each old day on which a member
 *    may have gained a clock hour, decided on the state its landed conditional write read (an hour it lacked, or
 *    one whose stored first or last instant is one of the batch's own: an earlier attempt of the batch opened it),
 *    and for every old day of the activity when the delivery resumes a batch another delivery began, lost claims to
 *    a concurrent one, or carries events without `event_id`. A bump only means "recompute": extra ones cost a read.
 *    Readers (lib/dashboard/storage.ts `hourCountsOfDays`, hourSources.ts) read the generations of the period first (a
 *    consistent Query, ∝ months), then the live items; a day whose generation is 0 or absent never received old-day
 *    activity and its live item is all of it; an old day with a generation takes its derived item (`HCD`) if its
 *    `derived_gen` equals the generation, else recomputes from its members (a consistent Query of the day set: per hour
 *    the members with `hHHn`, per group those with either hour) and puts the derived item only if its stored
 *    `derived_gen` is absent or lower (a request reads at most a budget of members, lib/dashboard/hourRepair.ts: a day
 *    left unfinished keeps a checkpoint for its generation and the request answers 503, retry).
 *    Why that is exact: (1) a member write that gives a day an hour is followed by a bump of that day: by its delivery,
 *    or if that dies first, by its retry (it resumes the pending batch) or by a concurrent delivery of the same batch
 *    (it lost claims, resumes, or finds its own instant as the hour's bound; or, if it claimed the whole batch first
 *    and a third batch moved both of that hour's bounds before it read the member, it finds the batch marked resumed,
 *    `BATCH#… RESUMED`, which the dead one wrote before its members); (2) a reader reads the generation g before the
 *    members, so counts stamped g hold every member write whose bump landed by g (each bump follows its write), and a
 *    write whose bump lands later makes the generation exceed g, so the next reader recomputes; a derived item never
 *    goes back to an earlier generation; (3) the members hold every hour the day's live counts do (they are written
 *    before the transaction), so they replace those counts whole; (4) no live ADD lands on a derived day: ingestion
 *    moves `HC` only for days from yesterday at its `now`, readers keep derived counts only of days before today − 2 at
 *    theirs, so the two meet only if clocks differ by a day or more (the calendar keeps the day before yesterday for
 *    the same margin); a day from today − 2 on with a generation is recomputed on each read and not kept.
 *    As for hourly-data's cut hour, the members count an activity once its attempt wrote them: exact once every
 *    delivery is answered (senders retry until they are).
 *    Cost: a route reads one generation item per month, one item per day with data (live or derived; ≤ 24 hours
 *    each; users-by-time refuses a period of more than 100,000 hours with data), and once per generation of an old
 *    day its members (`npm run bench -- --users 1000`: users-by-time over the bench's two years reads 4,199 items,
 *    723 read units the first time, 754 items, 13.5 units after). Why the budget of 0.3 units per event is met: a
 *    request's old-day activity costs one 1-unit write per month it touches, whatever its events and users (≈ 0.2 per
 *    event on the whole-history mix, where counts moved in the transactions cost ≈ 1.7: ≈ 150 days' items of 2
 *    units per request), and live traffic's counts are shared by a transaction's users active on the same day.
 *  - *Hour bounds on the day members, for the cut hour.* hourly-data asks for `[start − 24h, start)` in groups of
 *    two clock hours: with `start` on an even hour every group is whole within one day (its `gHH` count); at any
 *    other instant one group holds a cut hour or hours of two days, whose distinct union is no sum of counts. For
 *    it each day member keeps the user's first and last instant in each hour (lib/ingest/hourBounds.ts, riding in
 *    the member's writes, merged outward), and that request reads the members of its ≤ 2 days (refused over 1M
 *    user-days). weekly-data is the day counters.
 *  - *Hot partitions.* Per-day sets spread a tenant's writes over one partition per day instead of one per tenant;
 *    the month's counter item is written only when a user or org enters a day (once per user per day, plus sign-ups),
 *    far below the 1,000 writes/s an item of < 1 KB allows. The sign-up and last-activity GSIs are spread over
 *    several partitions per tenant by a hash of the id (8 and 24; orgs one), merged in order by their readers.
 *  - *Item size.* No item grows with the tenant: sets and logs are one item per member, rank chunks hold 20 rows,
 *    so the 400 KB item limit is never approached (a report of 100,000 rows is 5,000 items of a few KB). A user's
 *    or org's calendar of days grows ≈ 70 bytes per year of its history (twice with its pre-image); a user's calendar
 *    of clock hours holds ≤ 3 days (activeHours.ts).
 *  - *Credentials.* A secret is `{prefix}_{id}_{secret}`: the id finds the item with one GetItem, the SHA-256 of the
 *    whole secret is compared in constant time; the secret itself is never stored.
 *  - *Credentials per environment.* Credentials are keyed by their id alone (`KEY#` / `TOKEN#`, one GetItem per
 *    request), so nothing under `E#{E}` would find them; each is also listed in its environment's `CREDS#{E}`
 *    partition (written in the same transaction) so deleting an environment revokes every one of them with one
 *    Query. Like the credentials, the listing lives outside `E#{E}…`: what ingestion stores there is its own.
 *  - *Erasure by key.* Each user item keeps the hashes of every email it ever had (`email_hashes`: set with the
 *    user's write, no extra write), and each invite is indexed by its invitee email's hash (`INVTO#`, one more
 *    write per invite), so erasing a person finds every invite naming any of its emails, sent before or after it
 *    signed up, by key. `user.erased` records the user's erasure job in its batch (`ERASE`, one conditional Put);
 *    the job, not the request, walks the current snapshot (lib/tenants/erasureJob.ts), so the request's cost does
 *    not grow with the tenant.
 *  - *Deletion jobs outside the environment.* The job's progress lives under `DELETIONS` so deleting every `E#{E}…`
 *    item never deletes the record that lets the job resume. When the job ends it stays as a small completion
 *    record (state `done`, counts, instants; cursors removed): `delete-status` reads it, and a refresh part still
 *    queued for the environment checks it (1 GetItem) and stops instead of writing behind the deletion.
 *  - *Memberships twice.* Ingestion needs a batch's users *with* their orgs in one BatchGet, so the user item keeps
 *    them in an `orgs` map (a user in thousands of orgs would approach 400 KB; far beyond a SaaS user's). Reports
 *    need an org's members, so each membership is also an item on the org's side (`MEMBER#`), written after the user
 *    and conditional on the user's version it follows (`user_version`); an ended one is a tombstone (`removed`,
 *    TTL a day) so a late write of an older version can't bring it back (lib/ingest/writeMemberships.ts).
 *  - *Index consistency.* GSIs are eventually consistent: listings may trail a write by a moment; ingestion's
 *    state reads go to the base table with ConsistentRead.
 *  - *Exactly once.* An `event_id` is claimed (with its resolved instant and its batch) before any effect is
 *    written, and counts once its batch is completed by one conditional write after all its effects; every user /
 *    org write carries its pre-image (`prev_batch`, `prev_delta`), so a retry of a pending batch recomputes its
 *    effects from the state before it, and the last 8 batches it holds (`applied`, lib/ingest/appliedBatches.ts),
 *    so a batch applied again over a later write doesn't replay its events after that write's.
 *    lib/ingest/claims.ts and lib/ingest/ingest.ts tell the whole protocol.
 *  - *Snapshots.* Rank lists are written under a fresh `reportId` by the refresh's parts (lib/reports/refreshRun.ts),
 *    then the `REPORT#current` pointer is switched with one conditional write by the part completing the run's
 *    counter; readers always follow the pointer, so a half-written snapshot is never visible. Chunks of old
 *    snapshots and run counters expire through `expires_at` (TTL).
 *  - *Chunks per part delivery.* SQS delivers at least once, and two deliveries of one part may run at the same
 *    time on different data (ingestion goes on). Each delivery writes its chunks under its own random attempt id;
 *    the one conditional write that counts the part records the winning attempt beside its row counts, and the
 *    pointer names, per list (and per shard), the attempt whose chunks match its counts. A losing delivery's
 *    chunks are never named and expire by TTL. Readers still find a chunk by arithmetic: the attempt is one more
 *    part of the key, read from the pointer they already hold.
 *  - *Packed rank chunks, one partition each.* Report rows as of report_time, 20 per item: a refresh writes
 *    rows/20 items, each to its own partition key (one write per key per refresh, never a hot partition), and a
 *    page reads ≤ ⌈s/20⌉+1 of them at any depth, about the read units one item per row cost.
 *  - *Deleted users for the history curves.* A deleted user leaves both GSIs, yet retention and lifecycle count it
 *    where its sign-up and activity fell (CONTRACT §10). Its deletion writes one plain marker keyed by its (frozen)
 *    last activity, so the refresh finds the deleted users active since its look-back with one range Query; the
 *    marker is written before the user (idempotent, like the day sets) and trusted only if the user item is deleted.
 *  - *Curves as a few items per snapshot.* Retention, lifecycle and stickiness are small tallies (≤ 30 × 30 numbers)
 *    computed by the refresh from the calendars it reads (lib/reports/curvesPart.ts): one item per (entity, route,
 *    cadence or interval) beside the rank chunks, so a request reads the pointer and one item whatever the tenant.
 *  - *Webhooks beside the environment.* Subscriptions live under `E#{E}#WH` (deleted with the environment); the
 *    pointer names the snapshot it replaced (`previous_report_id`), so the webhook dispatch (lib/webhooks/dispatch.ts)
 *    diffs the two snapshots' lists off the refresh's path, finding each by its run item (`RUN#{reportId}`).
 *  - *Sharded churn lists.* A churn list of a big tenant (its dormant users) is written by several workers, each a
 *    range of the `byLastActive` order numbering its own chunks (`#S{shard}`); the pointer keeps each shard's row
 *    count in rank order, so a page still finds its chunks by arithmetic (one more item where it spans two shards).
 */

export const GSI_BY_SIGNUP = "bySignup";
export const GSI_BY_LAST_ACTIVE = "byLastActive";

export interface TableNames {
  entities: string;
  activity: string;
  reports: string;
}

/** The three tables' names under one prefix (the CDK stack, the test harness and `TABLE_PREFIX` use it). */
export function tableNames(prefix: string): TableNames {
  return { entities: `${prefix}entities`, activity: `${prefix}activity`, reports: `${prefix}reports` };
}

/** Table names from the environment (set by CDK on Lambdas, by the local server and the test harness). */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  const byPrefix = tableNames(env.TABLE_PREFIX ?? "engagement-insights-");
  return {
    entities: env.ENTITIES_TABLE ?? byPrefix.entities,
    activity: env.ACTIVITY_TABLE ?? byPrefix.activity,
    reports: env.REPORTS_TABLE ?? byPrefix.reports,
  };
}

/** Metrics that have per-bucket sets and counters in the activity table. */
export type ActivityMetric = "active_users" | "active_orgs" | "signups" | "orgs_created";
/** Metrics that also keep the set of distinct members of each bucket. */
export type ActiveMetric = "active_users" | "active_orgs";
export type Cadence = "day" | "week" | "month";

const env = (e: string) => `E#${e}`;

/** Partitions of a tenant's `bySignup` index: 1 write per sign-up, ≤ 0.2 units per event on the bench's mix. */
export const SIGNUP_INDEX_SHARDS = 8;
/** Partitions of a tenant's users in `byLastActive`: 2 index writes per activity in a new hour (issue 20). */
export const LAST_ACTIVE_USER_SHARDS = 24;

/** The index partition of an id: FNV-1a of its UTF-8 bytes, modulo `shards` (stored in keys: never change it). */
export function indexShardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(id, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % shards;
}

/**
 * Counter items a transaction of user / org writes moves (existing users, month counters, last-active hours) are
 * spread over this many sub-items `{sk}#{n}`, one chosen per transaction (writeEntities.ts): transactions on one
 * item serialize, and a tenant's every transaction moved the same few (issue 20's hot-item table). Readers sum an
 * item's sub-items (and the item itself, written so before the spread and by the bench's seeding).
 */
export const COUNTER_SUB_ITEMS = 4;

/** The sub-item `n` of a counter item. */
export const counterSubItem = (key: { pk: string; sk: string }, n: number) => ({ pk: key.pk, sk: `${key.sk}#${n}` });
/** The counter item a (sub-)item's sort key belongs to: `2026-05#3` → `2026-05`. */
export const counterItemSk = (sk: string) => sk.replace(/#\d+$/, "");
/** The greatest sort key of a counter item's sub-items, for ranges that end at an item (`sk <= …`). */
export const counterItemLastSk = (sk: string) => `${sk}#~`;

const shardPks = (prefix: string, shards: number) => Array.from({ length: shards }, (_, n) => `${prefix}#${n}`);

/** Which run of chunks of a list: a churn shard's (its upper bound) and the part delivery's that wrote it. */
export interface ChunkRun {
  shard?: string | undefined;
  attempt?: string | undefined;
}

export const keys = {
  environment: (e: string) => ({ pk: env(e), sk: "ENV" }),
  environmentListing: (e: string) => ({ pk: "ENVS", sk: e }),
  environmentListingPk: "ENVS",
  apiKey: (keyId: string) => ({ pk: `KEY#${keyId}`, sk: "KEY" }),
  userToken: (tokenId: string) => ({ pk: `TOKEN#${tokenId}`, sk: "TOKEN" }),
  environmentLimits: (e: string) => ({ pk: env(e), sk: "LIMITS" }),
  /** The environment's listing of its credentials: `kind` KEY or TOKEN, `id` the credential's key or token id. */
  environmentCredential: (e: string, kind: "KEY" | "TOKEN", id: string) => ({
    pk: keys.environmentCredentialsPk(e),
    sk: `${kind}#${id}`,
  }),
  environmentCredentialsPk: (e: string) => `CREDS#${e}`,
  environmentPk: (e: string) => env(e),
  /** Every partition key of the environment is `E#{E}` or starts with this. */
  environmentPartitionPrefix: (e: string) => `${env(e)}#`,
  deletionJob: (e: string) => ({ pk: "DELETIONS", sk: e }),

  userPk: (e: string, userId: string) => `${env(e)}#U#${userId}`,
  user: (e: string, userId: string) => ({ pk: keys.userPk(e, userId), sk: "USER" }),
  /** A user's large profile fields, once they outgrow the hot user item (lib/storage/userProfile.ts). */
  userProfile: (e: string, userId: string) => ({ pk: keys.userPk(e, userId), sk: keys.userProfileSk }),
  userProfileSk: "PROFILE",

  orgPk: (e: string, orgId: string) => `${env(e)}#O#${orgId}`,
  org: (e: string, orgId: string) => ({ pk: keys.orgPk(e, orgId), sk: "ORG" }),
  orgMember: (e: string, orgId: string, userId: string) => ({ pk: keys.orgPk(e, orgId), sk: `MEMBER#${userId}` }),
  orgMemberPrefix: "MEMBER#",

  eventMarker: (e: string, eventId: string) => ({ pk: `${env(e)}#EV#${eventId}`, sk: "EV" }),
  ingestBatch: (e: string, batchId: string) => ({ pk: `${env(e)}#BATCH#${batchId}`, sk: "BATCH" }),
  /** Present once a delivery that did not create the batch resumed it (lib/ingest/hourGenerations.ts). */
  ingestBatchResumed: (e: string, batchId: string) => ({ pk: `${env(e)}#BATCH#${batchId}`, sk: "RESUMED" }),
  /** Chunk `k` of a batch's own events, named by their digest (lib/ingest/batchEvents.ts). */
  ingestBatchEvents: (e: string, batchId: string, digest: string, k: number) => ({
    pk: `${env(e)}#BATCH#${batchId}`,
    sk: `EVENTS#${digest}#${k}`,
  }),
  userCount: (e: string) => ({ pk: env(e), sk: "COUNT#users" }),
  currentReport: (e: string) => ({ pk: env(e), sk: "REPORT#current" }),
  /** A webhook subscription (lib/webhooks/subscriptions.ts), in its environment's webhook partition. */
  webhooksPk: (e: string) => `${env(e)}#WH`,
  webhook: (e: string, webhookId: string) => ({ pk: keys.webhooksPk(e), sk: webhookId }),

  /**
   * GSI `bySignup`: users in sign-up order, spread over SIGNUP_INDEX_SHARDS partitions by a hash of the id (one
   * partition took every sign-up of a tenant: issue 20's hot-item table); readers merge them (indexShards.ts).
   * ISO instants sort lexically; the id breaks ties.
   */
  signupIndex: (e: string, createdAtMs: number, userId: string) => ({
    gsi1pk: `${env(e)}#USERS#${indexShardOf(userId, SIGNUP_INDEX_SHARDS)}`,
    gsi1sk: `${new Date(createdAtMs).toISOString()}#${userId}`,
  }),
  /** Every partition of `bySignup` of the environment. */
  signupIndexPks: (e: string) => shardPks(`${env(e)}#USERS`, SIGNUP_INDEX_SHARDS),

  /**
   * GSI `byLastActive`: users (`U`, spread over LAST_ACTIVE_USER_SHARDS partitions like `bySignup`: each activity
   * in a new hour moves a user's key, 2 index writes) or orgs (`O`, one partition) ordered by latest activity.
   */
  lastActiveIndex: (e: string, kind: "U" | "O", lastActiveMs: number, id: string) => ({
    gsi2pk: kind === "U" ? `${env(e)}#LA#U#${indexShardOf(id, LAST_ACTIVE_USER_SHARDS)}` : `${env(e)}#LA#O`,
    gsi2sk: `${new Date(lastActiveMs).toISOString()}#${id}`,
  }),
  /** Every partition of `byLastActive` of the environment's users or orgs. */
  lastActiveIndexPks: (e: string, kind: "U" | "O") =>
    kind === "U" ? shardPks(`${env(e)}#LA#U`, LAST_ACTIVE_USER_SHARDS) : [`${env(e)}#LA#O`],

  activitySet: (e: string, metric: ActiveMetric, cadence: Cadence, bucket: string, id: string) => ({
    pk: keys.activitySetPk(e, metric, cadence, bucket),
    sk: id,
  }),
  activitySetPk: (e: string, metric: ActiveMetric, cadence: Cadence, bucket: string) =>
    `${env(e)}#SET#${metric}#${cadence}#${bucket}`,
  /** Every metric's day / week / month counts of one UTC month, one attribute each (monthCounters.ts). */
  monthCounters: (e: string, month: string) => ({ pk: keys.monthCountersPk(e), sk: month }),
  monthCountersPk: (e: string) => `${env(e)}#CNT`,

  /** Current (listed) users whose latest activity falls in a UTC hour: moved with the user's write (writeEntities). */
  lastActiveHoursPk: (e: string) => `${env(e)}#LAH`,
  lastActiveHour: (e: string, hour: string) => ({ pk: keys.lastActiveHoursPk(e), sk: hour }),

  /** Distinct users per clock hour (`hHH`) and two-hour group (`gHH`) of a UTC day: lib/ingest/activeHours.ts. */
  hourCountsPk: (e: string) => `${env(e)}#HC`,
  hourCounts: (e: string, day: string) => ({ pk: keys.hourCountsPk(e), sk: day }),
  /** Generation of each old day's clock hours (`dDD`, one item per UTC month): lib/ingest/hourGenerations.ts. */
  hourGenerationsPk: (e: string) => `${env(e)}#HCGEN`,
  hourGenerations: (e: string, month: string) => ({ pk: keys.hourGenerationsPk(e), sk: month }),
  /** An old day's hour counts recomputed from its members by a reader, with `derived_gen`: lib/dashboard/storage.ts. */
  derivedHourCountsPk: (e: string) => `${env(e)}#HCD`,
  derivedHourCounts: (e: string, day: string) => ({ pk: keys.derivedHourCountsPk(e), sk: day }),

  /** A user's erasure job (lib/tenants/erasureJob.ts): recorded by ingestion with `user.erased`, one per user. */
  erasureJobsPk: (e: string) => `${env(e)}#ERASE`,
  erasureJob: (e: string, userId: string) => ({ pk: keys.erasureJobsPk(e), sk: userId }),

  invitesPk: (e: string, day: string) => `${env(e)}#INV#${day}`,
  invite: (e: string, day: string, atMs: number, eventKey: string) => ({
    pk: keys.invitesPk(e, day),
    sk: `${new Date(atMs).toISOString()}#${eventKey}`,
  }),
  /** The invite-log items naming an invitee email, by the email's hash (lib/ingest/emailHash.ts): one per invite. */
  invitesToPk: (e: string, emailHash: string) => `${env(e)}#INVTO#${emailHash}`,
  inviteTo: (e: string, emailHash: string, atMs: number, eventKey: string) => ({
    pk: keys.invitesToPk(e, emailHash),
    sk: `${new Date(atMs).toISOString()}#${eventKey}`,
  }),
  memberChangesPk: (e: string, day: string) => `${env(e)}#MC#${day}`,
  memberChange: (e: string, day: string, atMs: number, eventKey: string, orgId: string) => ({
    pk: keys.memberChangesPk(e, day),
    sk: `${new Date(atMs).toISOString()}#${eventKey}#${orgId}`,
  }),

  /**
   * Ranks [k·RANK_CHUNK_ROWS, (k+1)·RANK_CHUNK_ROWS) of one report × interval, or of one shard of it (a churn
   * list is written by several workers, each numbering its own chunks): one partition per chunk. `attempt` is the
   * delivery of the refresh part that wrote them (two deliveries of one part never write the same keys); snapshots
   * made before attempts were recorded have none.
   */
  rankChunk: (e: string, reportId: string, report: string, interval: string, chunk: number, at: ChunkRun = {}) => ({
    pk: `${env(e)}#R#${reportId}#${report}#${interval}${at.shard === undefined ? "" : `#S${at.shard}`}${
      at.attempt === undefined ? "" : `#A${at.attempt}`
    }#C${chunk}`,
    sk: 0,
  }),
  /**
   * Retention / lifecycle / stickiness body of a snapshot: `name` is `{route}#{cadence or interval}` (curves.ts);
   * `attempt` the delivery of the curves part that wrote it, as for rank chunks (none in older snapshots).
   */
  curve: (e: string, reportId: string, entity: string, name: string, attempt?: string) => ({
    pk: `${env(e)}#R#${reportId}#${entity}#${name}${attempt === undefined ? "" : `#A${attempt}`}`,
    sk: 0,
  }),
  /** A deleted user, keyed by its last activity (frozen at deletion): the refresh's curves count it in history. */
  deletedUser: (e: string, lastActiveMs: number, userId: string) => ({
    pk: keys.deletedUsersPk(e),
    sk: `${new Date(lastActiveMs).toISOString()}#${userId}`,
  }),
  deletedUsersPk: (e: string) => `${env(e)}#DELU`,
  /** The same users by the instant of their deletion (refresh: churn as of T lists those deleted after T). */
  deletedUserByTime: (e: string, deletedMs: number, userId: string) => ({
    pk: keys.deletedUsersByTimePk(e),
    sk: `${new Date(deletedMs).toISOString()}#${userId}`,
  }),
  deletedUsersByTimePk: (e: string) => `${env(e)}#DELAT`,
  /** A refresh run's completion counter (parts done, row counts), in the reports table beside its rows. */
  refreshRun: (e: string, reportId: string) => ({ pk: `${env(e)}#RUN#${reportId}`, sk: 0 }),
  /**
   * One user-activity tally part's sorted entries of one list (activityShards.ts): item `n` ≥ 0 holds entries,
   * item -1 the run's index (each item's first entry and size); `attempt` is the tally delivery that wrote them.
   */
  activityTally: (e: string, reportId: string, list: string, attempt: string, n: number) => ({
    pk: `${env(e)}#R#${reportId}#TALLY#${list}#A${attempt}`,
    sk: n,
  }),
  /**
   * One gather part's records of a list part (listShards.ts): item `n` ≥ 0 of the records it wrote; `attempt` is the
   * gather delivery that wrote them. The rows parts Query the pk of each counted gather.
   */
  listGatherPk: (e: string, reportId: string, part: string, attempt: string) =>
    `${env(e)}#R#${reportId}#GATHER#${part}#A${attempt}`,
  listGather: (e: string, reportId: string, part: string, attempt: string, n: number) => ({
    pk: keys.listGatherPk(e, reportId, part, attempt),
    sk: n,
  }),
};

/** CreateTable inputs, shared by the test harness and the local server; the CDK stack mirrors them. */
export function tableDefinitions(names: TableNames) {
  const str = (AttributeName: string) => ({ AttributeName, AttributeType: "S" as const });
  const keySchema = (hash: string, range: string) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    { AttributeName: range, KeyType: "RANGE" as const },
  ];
  return [
    {
      TableName: names.entities,
      BillingMode: "PAY_PER_REQUEST" as const,
      AttributeDefinitions: [str("pk"), str("sk"), str("gsi1pk"), str("gsi1sk"), str("gsi2pk"), str("gsi2sk")],
      KeySchema: keySchema("pk", "sk"),
      GlobalSecondaryIndexes: [
        {
          IndexName: GSI_BY_SIGNUP,
          KeySchema: keySchema("gsi1pk", "gsi1sk"),
          // Keys only: with ALL, every write of a user (each activity) rewrote its whole copy here (issue 20).
          Projection: { ProjectionType: "KEYS_ONLY" as const },
        },
        {
          IndexName: GSI_BY_LAST_ACTIVE,
          KeySchema: keySchema("gsi2pk", "gsi2sk"),
          Projection: { ProjectionType: "KEYS_ONLY" as const },
        },
      ],
    },
    {
      TableName: names.activity,
      BillingMode: "PAY_PER_REQUEST" as const,
      AttributeDefinitions: [str("pk"), str("sk")],
      KeySchema: keySchema("pk", "sk"),
    },
    {
      TableName: names.reports,
      BillingMode: "PAY_PER_REQUEST" as const,
      AttributeDefinitions: [str("pk"), { AttributeName: "sk", AttributeType: "N" as const }],
      KeySchema: keySchema("pk", "sk"),
    },
  ];
}

/** TTL attribute of the tables that have one: entities (a batch's stored events) and reports (snapshot rows). */
export const TTL_ATTRIBUTE = "expires_at";
export const REPORT_TTL_ATTRIBUTE = TTL_ATTRIBUTE;
