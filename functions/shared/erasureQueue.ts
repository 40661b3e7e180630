import { SQSClient } from "@aws-sdk/client-sqs";
import type { ErasureQueue } from "../../lib/tenants/erasureJob.js";
import { sendMessages } from "./sendMessages.js";

/**
 * The erasure-job queue of a deployment (`ERASURE_QUEUE_URL`, set by infra/erasure.ts on the ingestion and erasure
 * Lambdas): one message `{"job": "erase_user", environment_id, user_id}` per job. Undefined without the variable
 * (the local server: its loop runs the jobs it finds, scripts/lib/demoServer.ts).
 */
let sqs: SQSClient | undefined;

export function erasureQueueFromEnv(env: NodeJS.ProcessEnv = process.env): ErasureQueue | undefined {
  const url = env.ERASURE_QUEUE_URL;
  if (!url) return undefined;
  return {
    send: async (jobs) => {
      sqs ??= new SQSClient({});
      await sendMessages(
        sqs,
        url,
        jobs.map((job) => ({ job: "erase_user", ...job })),
      );
    },
  };
}
