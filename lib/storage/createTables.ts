import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import type { Store } from "./client.js";
import { tableDefinitions } from "./tableDesign.js";

/** Creates the three tables if they do not exist yet (local server, tests). */
export async function createTables(store: Store): Promise<void> {
  await Promise.all(
    tableDefinitions(store.tables).map(async (definition) => {
      try {
        await store.doc.send(new CreateTableCommand(definition));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await store.doc.send(new DescribeTableCommand({ TableName: definition.TableName }));
    }),
  );
}
