import type { components, operations } from "./generated/openapi.js";

/**
 * The SDK's request and response types, all taken from the OpenAPI document (src/generated/openapi.ts, made by
 * openapi-typescript from ../openapi.json): nothing here restates a field. Read results are handed out camelCased
 * (`Camelize`), like PropelAuth's client; ingestion events keep the wire's snake_case fields.
 */

export type Schemas = components["schemas"];

type Json200<Op extends keyof operations> = operations[Op] extends {
  responses: { 200: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

export type Query<Op extends keyof operations> = operations[Op] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

export type Path<Op extends keyof operations> = operations[Op] extends { parameters: { path: infer P } }
  ? NonNullable<P>
  : never;

// ---- ingestion ------------------------------------------------------------------------------------------------

/** Every event of the ingestion API (CONTRACT §2), as the document describes it. */
export type IngestEvent =
  | Schemas["UserCreatedEvent"]
  | Schemas["UserUpdatedEvent"]
  | Schemas["UserDeletedEvent"]
  | Schemas["UserErasedEvent"]
  | Schemas["UserActiveEvent"]
  | Schemas["UserInvitedEvent"]
  | Schemas["OrgCreatedEvent"]
  | Schemas["OrgUpdatedEvent"]
  | Schemas["OrgMemberAddedEvent"]
  | Schemas["OrgMemberRemovedEvent"];

export type EventType = IngestEvent["type"];

/** An event's fields without its `type` (the method names it); `occurred_at` may also be a Date. */
export type EventFields<T extends EventType> = Omit<Extract<IngestEvent, { type: T }>, "type" | "occurred_at"> & {
  occurred_at?: string | number | Date;
};

export type IngestResult = Schemas["IngestResult"];
export type EventError = Schemas["InvalidEvents"]["event_errors"][number];

// ---- camelCase results -----------------------------------------------------------------------------------------

/** `first_name` → `firstName`; names starting with `_` (`_id`, `_createdOn`) stay as they are. */
export type CamelKey<S extends string> = S extends `${infer Head}_${infer C}${infer Rest}`
  ? Head extends ""
    ? S
    : `${Head}${Uppercase<C>}${CamelKey<Rest>}`
  : S;

/** Keys whose values are the customer's own data (names as sent), never renamed. */
export type OpaqueKey = "profile" | "user_signup_query_parameters";

export type Camelize<T> = T extends readonly (infer U)[]
  ? Camelize<U>[]
  : T extends object
    ? { [K in keyof T as K extends string ? CamelKey<K> : K]: K extends OpaqueKey ? T[K] : Camelize<T[K]> }
    : T;

// ---- read results ----------------------------------------------------------------------------------------------

export type UserReport = Camelize<Schemas["UserReport"]>;
export type OrgReport = Camelize<Schemas["OrgReport"]>;
export type UserReportRow = Camelize<Schemas["UserReportRow"]>;
export type OrgReportRow = Camelize<Schemas["OrgReportRow"]>;
export type ChartMetricData = Camelize<Schemas["ChartMetricData"]>;
export type Retention = Camelize<Schemas["Retention"]>;
export type Lifecycle = Camelize<Schemas["Lifecycle"]>;
export type Stickiness = Camelize<Schemas["Stickiness"]>;
export type User = Camelize<Schemas["User"]>;
export type SignupQueryParams = Camelize<Json200<"userSignupQueryParameters">>;
export type ActiveUsersByDay = Json200<"dashboardActiveUsers">;
export type NewUsersSummary = Json200<"dashboardNewUsers">;
export type UsersByTimeOfDay = Json200<"dashboardUsersByTimeOfDay">;
export type BusierHourlyData = Json200<"dashboardBusierHourlyData">;
export type BusierWeeklyData = Json200<"dashboardBusierWeeklyData">;
export type ListUsersPage = Json200<"listUsers">;
/** One page of `users.page`: the users camelCased, with the API's own cursors. */
export type UsersPage = Camelize<ListUsersPage>;
export type ActiveUsersCount = Json200<"activeUsersCount">;
export type ReportQuery = Query<"userReportChampion">;
export type ChartQuery = Query<"chartMetric">;
