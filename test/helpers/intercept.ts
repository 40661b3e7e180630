import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";

/**
 * Sees every command a REAL document client sends (aws-sdk-client-mock around it): `hook` gets the command and a
 * `send` that passes it on to DynamoDB Local, so it can throw a fault, answer instead, or observe the answer, while
 * the query logic under test stays the real one. Returns the function that restores the client.
 */
export type CommandHook = (command: { input: object }, send: () => Promise<unknown>) => Promise<unknown>;

export function interceptCommands(doc: DynamoDBDocumentClient, hook: CommandHook): () => void {
  const realSend = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
  const mock = mockClient(doc);
  // biome-ignore lint/suspicious/noExplicitAny: the stub answers any command with what the real client answers.
  mock.send.callsFake(((command: { input: object }) => hook(command, () => realSend(command))) as any);
  return () => mock.restore();
}

/** A store over the same tables with a client of its own whose commands go through `hook`. */
export function interceptedStore(store: Store, hook: CommandHook): Store {
  const doc = createDocumentClient(process.env.DYNAMODB_ENDPOINT);
  interceptCommands(doc, hook);
  return { doc, tables: store.tables };
}
