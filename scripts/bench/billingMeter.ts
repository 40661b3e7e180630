import {
  type AttributeValue,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { billWrite, type IndexDefinition, type Item, type ItemWrite, type TableDefinition } from "./awsBilling.js";
import { kindOfKey } from "./writeKinds.js";

/**
 * The bench's billing meter (issue 20 items 1 and 5): a middleware on a document client that sees every write
 * request on the wire (after the document client marshalled it) and bills it as AWS would (awsBilling.ts). Updates
 * don't show the item they leave, so the meter reads each written item before and after the write with a
 * consistent GetItem of its own, on an unmetered client: bench-only reads, not the service's. It sums:
 *  - table write units and index write units, per kind of item (writeKinds.ts `kindOfKey`);
 *  - per item (table + key) and per index partition: write units and transactions, for the hot-item table.
 * A failed conditional write bills the item as it stands (≥ 1 unit); a cancelled transaction bills each of its
 * items the same way, twice. Only successful items of a BatchWriteItem count (unprocessed ones are retried).
 * Reads around a write see other writers' changes if they land in between: the bench runs few batches at once,
 * and the images are only used for sizes and index moves.
 */

export interface Tally {
  units: number;
  writes: number;
  transactions: number;
}

export interface Billing {
  tableUnits: number;
  indexUnits: number;
  byKind: Map<string, { table: number; index: number; writes: number }>;
  /** `{table} {pk} {sk}` → its tally. */
  byItem: Map<string, Tally & { kind: string; key: string }>;
  /** `{index} {partition}` → its tally (index writes only). */
  byIndexPartition: Map<string, Tally & { index: string; partition: string }>;
}

export const emptyBilling = (): Billing => ({
  tableUnits: 0,
  indexUnits: 0,
  byKind: new Map(),
  byItem: new Map(),
  byIndexPartition: new Map(),
});

interface PlannedWrite {
  table: string;
  key: Item;
  op: "Put" | "Update" | "Delete" | "ConditionCheck";
  item?: Item;
  transactional: boolean;
}

type Input = Record<string, unknown>;

function plannedWrites(commandName: string, input: Input): PlannedWrite[] {
  const base = commandName.replace(/(Items?)?Command$/, "");
  if (base === "TransactWrite")
    return (input.TransactItems as Record<string, Input>[]).flatMap((t): PlannedWrite[] => {
      const [op, body] = Object.entries(t)[0] as [PlannedWrite["op"], Input];
      const table = body.TableName as string;
      return [{ table, op, key: (body.Key ?? body.Item) as Item, item: body.Item as Item, transactional: true }];
    });
  if (base === "BatchWrite")
    return Object.entries(input.RequestItems as Record<string, Record<string, Input>[]>).flatMap(([table, list]) =>
      list.map((r): PlannedWrite => {
        if (r.PutRequest) {
          const item = r.PutRequest.Item as Item;
          return { table, op: "Put", key: item, item, transactional: false };
        }
        return { table, op: "Delete", key: r.DeleteRequest?.Key as Item, transactional: false };
      }),
    );
  if (base === "Put" || base === "Update" || base === "Delete") {
    const table = input.TableName as string;
    const item = input.Item as Item | undefined;
    return [{ table, op: base, key: (input.Key as Item | undefined) ?? (item as Item), item, transactional: false }];
  }
  return [];
}

const str = (v: AttributeValue | undefined) => v?.S ?? v?.N ?? "";

export interface BillingMeter {
  billing: Billing;
  /** Starts a fresh tally (the previous one stays with whoever holds it). */
  reset(): Billing;
}

/** Adds the billing meter to `doc`; `endpoint` is where the unmetered image reads go. */
export function meterBilling(doc: DynamoDBDocumentClient, endpoint: string): BillingMeter {
  const raw = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const definitions = new Map<string, Promise<TableDefinition>>();
  const definitionOf = (TableName: string) => {
    let d = definitions.get(TableName);
    if (!d) {
      d = raw.send(new DescribeTableCommand({ TableName })).then(({ Table }) => {
        const keyOf = (schema: KeySchemaElement[] | undefined, type: string) =>
          schema?.find((k) => k.KeyType === type)?.AttributeName;
        return {
          hash: keyOf(Table?.KeySchema, "HASH") as string,
          range: keyOf(Table?.KeySchema, "RANGE"),
          indexes: (Table?.GlobalSecondaryIndexes ?? []).map(
            (g): IndexDefinition => ({
              name: g.IndexName as string,
              hash: keyOf(g.KeySchema, "HASH") as string,
              range: keyOf(g.KeySchema, "RANGE"),
              projection:
                g.Projection?.ProjectionType === "INCLUDE"
                  ? { include: g.Projection.NonKeyAttributes ?? [] }
                  : (g.Projection?.ProjectionType ?? "ALL") === "ALL"
                    ? "ALL"
                    : "KEYS_ONLY",
            }),
          ),
        };
      });
      definitions.set(TableName, d);
    }
    return d;
  };
  const meter: BillingMeter = {
    billing: emptyBilling(),
    reset() {
      meter.billing = emptyBilling();
      return meter.billing;
    },
  };
  const image = async (table: string, def: TableDefinition, key: Item) => {
    const Key: Item = { [def.hash]: key[def.hash] as AttributeValue };
    if (def.range) Key[def.range] = key[def.range] as AttributeValue;
    const { Item } = await raw.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }));
    return Item;
  };
  const record = (w: PlannedWrite, def: TableDefinition, write: ItemWrite, transactions: number) => {
    const billed = billWrite(write, def);
    const b = meter.billing;
    const pk = str(w.key[def.hash]);
    const sk = def.range ? str(w.key[def.range]) : "";
    const kind = kindOfKey(pk, sk);
    const indexUnits = billed.indexWrites.reduce((n, x) => n + x.units, 0);
    b.tableUnits += billed.tableUnits;
    b.indexUnits += indexUnits;
    const k = b.byKind.get(kind) ?? { table: 0, index: 0, writes: 0 };
    k.table += billed.tableUnits;
    k.index += indexUnits;
    k.writes += 1;
    b.byKind.set(kind, k);
    const itemKey = `${w.table} ${pk} ${sk}`;
    const it = b.byItem.get(itemKey) ?? { units: 0, writes: 0, transactions: 0, kind, key: `${pk} ${sk}` };
    it.units += billed.tableUnits;
    it.writes += 1;
    it.transactions += transactions;
    b.byItem.set(itemKey, it);
    for (const x of billed.indexWrites) {
      const ik = `${x.index} ${x.partition}`;
      const p = b.byIndexPartition.get(ik) ?? {
        units: 0,
        writes: 0,
        transactions: 0,
        index: x.index,
        partition: x.partition,
      };
      p.units += x.units;
      p.writes += 1;
      b.byIndexPartition.set(ik, p);
    }
  };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? "";
      const planned = plannedWrites(name, args.input as Input);
      if (planned.length === 0) return next(args);
      const defs = await Promise.all(planned.map((w) => definitionOf(w.table)));
      const befores = await Promise.all(planned.map((w, i) => image(w.table, defs[i] as TableDefinition, w.key)));
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        const failed = (error as { name?: string }).name;
        if (failed === "ConditionalCheckFailedException" || failed === "TransactionCanceledException")
          for (const [i, w] of planned.entries())
            record(
              w,
              defs[i] as TableDefinition,
              { before: befores[i], after: befores[i], transactional: w.transactional, unchanged: true },
              w.transactional ? 1 : 0,
            );
        throw error;
      }
      const unprocessed = new Set(
        Object.values(((result.output as Input).UnprocessedItems ?? {}) as Record<string, Record<string, Input>[]>)
          .flat()
          .map((r) => JSON.stringify(r.PutRequest?.Item ?? r.DeleteRequest?.Key)),
      );
      await Promise.all(
        planned.map(async (w, i) => {
          if (unprocessed.has(JSON.stringify(w.item ?? w.key))) return;
          const def = defs[i] as TableDefinition;
          const before = befores[i];
          const after =
            w.op === "Put"
              ? w.item
              : w.op === "Delete"
                ? undefined
                : w.op === "ConditionCheck"
                  ? before
                  : await image(w.table, def, w.key);
          record(
            w,
            def,
            { before, after, transactional: w.transactional, unchanged: w.op === "ConditionCheck" },
            w.transactional ? 1 : 0,
          );
        }),
      );
      return result;
    },
    { step: "build", name: "benchBillingMeter" },
  );
  return meter;
}
