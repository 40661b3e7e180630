import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";

const SQS_BATCH = 10;

/** Sends every body as a message, 10 per SendMessageBatch; entries SQS failed to take are sent again, twice. */
export async function sendMessages(client: SQSClient, queueUrl: string, bodies: readonly object[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += SQS_BATCH) {
    let entries = bodies
      .slice(i, i + SQS_BATCH)
      .map((body, j) => ({ Id: String(j), MessageBody: JSON.stringify(body) }));
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt >= 3) throw new Error(`SendMessageBatch: ${entries.length} messages not queued`);
      const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      const failed = new Set((sent.Failed ?? []).map((f) => f.Id));
      entries = entries.filter((e) => failed.has(e.Id));
    }
  }
}
