import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * A capacity meter on a document client: a middleware asks every command for `ReturnConsumedCapacity: TOTAL` and
 * adds up read units, write units and items read / written. DynamoDB Local under-reports `TransactWriteItems`
 * (it charges them as plain writes), so a transaction's write units are counted here as 2 per item, as DynamoDB
 * bills them.
 */

export interface Capacity {
  calls: number;
  readUnits: number;
  writeUnits: number;
  itemsRead: number;
  itemsWritten: number;
}

export const zeroCapacity = (): Capacity => ({ calls: 0, readUnits: 0, writeUnits: 0, itemsRead: 0, itemsWritten: 0 });

export function diff(after: Capacity, before: Capacity): Capacity {
  return {
    calls: after.calls - before.calls,
    readUnits: after.readUnits - before.readUnits,
    writeUnits: after.writeUnits - before.writeUnits,
    itemsRead: after.itemsRead - before.itemsRead,
    itemsWritten: after.itemsWritten - before.itemsWritten,
  };
}

type Consumed = { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number };
/** The command's kind, whether the document client's name (`GetCommand`) or the low-level one (`GetItemCommand`). */
function kindOf(commandName: string): string {
  const base = commandName.replace(/(Items?)?Command$/, "");
  const kinds: Record<string, string> = {
    Get: "get",
    Query: "query",
    Scan: "query",
    BatchGet: "batchGet",
    TransactGet: "transactGet",
    TransactWrite: "transactWrite",
    BatchWrite: "batchWrite",
  };
  return kinds[base] ?? "write";
}

export function meter(doc: DynamoDBDocumentClient): Capacity {
  const total = zeroCapacity();
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = "TOTAL";
      const result = await next(args);
      const kind = kindOf((context as { commandName?: string }).commandName ?? "");
      const output = result.output as Record<string, unknown>;
      const consumed = ([] as Consumed[]).concat((output.ConsumedCapacity as Consumed | Consumed[] | undefined) ?? []);
      const units = consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
      total.calls++;
      if (kind === "transactWrite") {
        const items = (input.TransactItems as unknown[]).length;
        total.writeUnits += 2 * items;
        total.itemsWritten += items;
      } else if (kind === "get" || kind === "query" || kind === "batchGet" || kind === "transactGet") {
        total.readUnits += units;
        if (kind === "get") total.itemsRead += output.Item ? 1 : 0;
        else if (kind === "query") total.itemsRead += (output.ScannedCount as number | undefined) ?? 0;
        else if (kind === "transactGet") total.itemsRead += ((output.Responses as unknown[]) ?? []).length;
        else
          for (const items of Object.values((output.Responses as Record<string, unknown[]>) ?? {}))
            total.itemsRead += items.length;
      } else {
        total.writeUnits += units;
        if (kind === "batchWrite") {
          const requests = Object.values(input.RequestItems as Record<string, unknown[]>).flat().length;
          const left = Object.values((output.UnprocessedItems as Record<string, unknown[]>) ?? {}).flat().length;
          total.itemsWritten += requests - left;
        } else total.itemsWritten += 1;
      }
      return result;
    },
    { step: "initialize", name: "benchCapacityMeter" },
  );
  return total;
}
