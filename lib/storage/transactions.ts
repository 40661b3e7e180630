import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";

/** One item of a TransactWriteItems request (ingestion's entity writes with the counters they move). */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
