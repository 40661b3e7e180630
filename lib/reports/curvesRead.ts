import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { type CurveEntity, type CurveRoute, curveName, emptyBody } from "./curves.js";
import { curvesAttemptKey } from "./curvesPart.js";
import { currentPointer } from "./read.js";

/**
 * Retention, lifecycle and stickiness of the current snapshot: the pointer and one item (curvesPart.ts), two
 * GetItems whatever the tenant. A snapshot without the item (a new environment's empty one, or one written before
 * these routes existed) answers the buckets at its T with zeros.
 */
export async function readCurve(
  store: Store,
  environmentId: string,
  route: CurveRoute,
  entity: CurveEntity,
  parameter: string,
): Promise<Record<string, unknown>> {
  const pointer = await currentPointer(store, environmentId);
  const name = curveName(route, parameter);
  const got = await store.doc.send(
    new GetCommand({
      TableName: store.tables.reports,
      Key: keys.curve(environmentId, pointer.report_id, entity, name, pointer.attempts?.[curvesAttemptKey(entity)]),
    }),
  );
  const body = got.Item
    ? (JSON.parse(got.Item.body as string) as Record<string, unknown>)
    : emptyBody(route, entity, parameter, pointer.report_time * 1000);
  return { ...body, report_time: pointer.report_time };
}
