import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { refreshEnvironment } from "../lib/reports/refresh.js";
import { SupersededSnapshotError } from "../lib/reports/snapshot.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { logger } from "./shared/logger.js";

/**
 * A refresh job (CONTRACT §7): one SQS message `{environment_id}` per environment; T is the job's start. Failed
 * records are reported back (partial batch response) so only they are retried and, in the end, dead-lettered.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const store = storeFromEnv();
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    let environmentId: unknown;
    try {
      environmentId = (JSON.parse(record.body) as { environment_id?: unknown }).environment_id;
      if (typeof environmentId !== "string" || environmentId === "") throw new Error("message without environment_id");
      const { report_time } = await refreshEnvironment(store, environmentId, Date.now());
      logger.info("report snapshot refreshed", { environment_id: environmentId, report_time });
    } catch (error) {
      if (error instanceof SupersededSnapshotError) {
        // A later job already made a newer snapshot current: nothing is left to do for this one.
        logger.info("refresh superseded", { environment_id: environmentId, message: error.message });
        continue;
      }
      logger.error("refresh failed", {
        environment_id: environmentId,
        message_id: record.messageId,
        error: error as Error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
