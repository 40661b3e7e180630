import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import type { ErasureJobItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import type { BatchEffects } from "./applyEvents.js";

/**
 * Step 1 of writeEffects, for `user.erased`: the user's erasure job (lib/tenants/erasureJob.ts), recorded before
 * the user's own write so that a batch that erased a user always left its job behind. One conditional Put per
 * erasure (1 write unit): a job already pending is kept as it is (a retry of the batch, whose pre-image no longer
 * holds the emails' hashes, must not replace the job that does, nor reset its progress); a finished one is
 * recorded again, so a later erasure runs again.
 */
export async function writeErasureJobs(store: Store, e: string, effects: BatchEffects): Promise<void> {
  await mapLimit(effects.erasures, 8, async ({ userId, at, emailHashes }) => {
    const job: ErasureJobItem = {
      environment_id: e,
      user_id: userId,
      requested_at: at,
      ...(emailHashes.length > 0 ? { email_hashes: emailHashes } : {}),
    };
    try {
      await store.doc.send(
        new PutCommand({
          TableName: store.tables.entities,
          Item: { ...keys.erasureJob(e, userId), ...job },
          ConditionExpression: "attribute_not_exists(pk) OR attribute_exists(done_at)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  });
}
