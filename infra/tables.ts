import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table } from "aws-cdk-lib/aws-dynamodb";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { type TableNames, TTL_ATTRIBUTE, tableDefinitions, tableNames } from "../lib/storage/tableDesign.js";

/**
 * The only DynamoDB actions the service issues. Narrower than grantReadData/grantWriteData: no Scan (every read
 * is a GetItem/Query by design, see tableDesign.ts) and no stream or DescribeTable access. Transactions need the
 * actions of the items they touch (TransactWriteItems → Put/Update/Delete/ConditionCheckItem, TransactGetItems →
 * GetItem).
 */
export const READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
export const WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

/** Read access to a table and its indexes. */
export function grantRead(table: Table, grantee: IGrantable) {
  return table.grants.actions(grantee, ...READ_ACTIONS);
}

/** Write access to a table (indexes are maintained by DynamoDB, not written). */
export function grantWrite(table: Table, grantee: IGrantable) {
  return table.grants.actions(grantee, ...WRITE_ACTIONS);
}

/** Both. */
export function grantReadWrite(table: Table, grantee: IGrantable) {
  return table.grants.actions(grantee, ...new Set([...READ_ACTIONS, ...WRITE_ACTIONS]));
}

type TableDefinition = ReturnType<typeof tableDefinitions>[number];
type KeySchema = TableDefinition["KeySchema"];

export interface TablesProps {
  /** Names are `${tablePrefix}entities` etc.: `tableNames()`, as `tableNamesFromEnv()` derives them from TABLE_PREFIX. */
  tablePrefix: string;
  /** Deletion protection and RETAIN (true), or DESTROY with the stack (dev). */
  retainData: boolean;
}

const attributeTypes = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;
const projectionTypes = {
  ALL: ProjectionType.ALL,
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
  INCLUDE: ProjectionType.INCLUDE,
} as const;

function attribute(definition: TableDefinition, schema: KeySchema, keyType: "HASH" | "RANGE") {
  const name = schema.find((k) => k.KeyType === keyType)?.AttributeName;
  if (!name) return undefined;
  const declared = definition.AttributeDefinitions.find((a) => a.AttributeName === name);
  if (!declared) throw new Error(`${definition.TableName}: key ${name} has no attribute definition`);
  return { name, type: attributeTypes[declared.AttributeType] };
}

function partitionKey(definition: TableDefinition, schema: KeySchema) {
  const key = attribute(definition, schema, "HASH");
  if (!key) throw new Error(`${definition.TableName}: no HASH key`);
  return key;
}

/**
 * The three tables, built from `tableDefinitions()` (lib/storage/tableDesign.ts) — the same CreateTable inputs the
 * local server and the tests use — so keys and indexes cannot drift between AWS and local runs.
 */
export class Tables extends Construct {
  readonly names: TableNames;
  readonly entities: Table;
  readonly activity: Table;
  readonly reports: Table;

  constructor(scope: Construct, id: string, props: TablesProps) {
    super(scope, id);
    this.names = tableNames(props.tablePrefix);
    const definitions = tableDefinitions(this.names);
    const build = (logicalId: string, tableName: string, timeToLiveAttribute?: string) => {
      const definition = definitions.find((d) => d.TableName === tableName);
      if (!definition) throw new Error(`tableDefinitions() has no table ${tableName}`);
      if (definition.BillingMode !== "PAY_PER_REQUEST") throw new Error(`${tableName}: expected on-demand billing`);
      const table = new Table(this, logicalId, {
        tableName,
        partitionKey: partitionKey(definition, definition.KeySchema),
        sortKey: attribute(definition, definition.KeySchema, "RANGE"),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute,
        deletionProtection: props.retainData,
        removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const indexes = ("GlobalSecondaryIndexes" in definition ? definition.GlobalSecondaryIndexes : undefined) ?? [];
      for (const index of indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.IndexName,
          partitionKey: partitionKey(definition, index.KeySchema),
          sortKey: attribute(definition, index.KeySchema, "RANGE"),
          projectionType: projectionTypes[index.Projection.ProjectionType],
        });
      }
      return table;
    };
    // A pending batch's stored events expire (lib/ingest/batchEvents.ts).
    this.entities = build("Entities", this.names.entities, TTL_ATTRIBUTE);
    this.activity = build("Activity", this.names.activity);
    this.reports = build("Reports", this.names.reports, TTL_ATTRIBUTE);
  }
}
