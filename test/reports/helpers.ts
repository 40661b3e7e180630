import type { ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/lib-dynamodb";
import { handler } from "../../functions/insights.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";

/** GET a report through the insights Lambda handler. */
export function getReport(apiKey: string | undefined, report: string, query: Record<string, string> = {}) {
  return invoke(handler, {
    path: `/api/backend/v1/${report}`,
    headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` },
    query,
  });
}

type Send = (command: { constructor: { name: string }; input: ServiceInputTypes }) => Promise<ServiceOutputTypes>;

/**
 * The store with a hook on every command sent through its document client: for injecting faults (throw on the
 * Nth BatchWrite) and for observing what a read costs. Everything else goes to the real DynamoDB Local.
 */
export function interceptedStore(
  store: Store,
  hook: (
    name: string,
    input: ServiceInputTypes,
    call: () => Promise<ServiceOutputTypes>,
  ) => Promise<ServiceOutputTypes>,
): Store {
  const send = store.doc.send.bind(store.doc) as unknown as Send;
  const doc = new Proxy(store.doc, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return (command: Parameters<Send>[0]) => hook(command.constructor.name, command.input, () => send(command));
    },
  });
  return { doc, tables: store.tables };
}
