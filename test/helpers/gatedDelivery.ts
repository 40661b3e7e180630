import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type PartJob, runPartJob } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { gate } from "./gate.js";
import { interceptedStore } from "./intercept.js";

/**
 * One delivery of a refresh part whose count (the run item's Update) waits for `release`: `reached` resolves once the
 * part has computed and written its chunks, so a test can interleave two deliveries of one part with ingestion.
 */
export function gatedDelivery(store: Store, job: PartJob) {
  const { reached, wait, release } = gate();
  const gated = interceptedStore(store, async (command, send) => {
    if (
      command instanceof UpdateCommand &&
      String((command.input as { Key?: { pk?: string } }).Key?.pk).includes("#RUN#")
    ) {
      await wait();
    }
    return send();
  });
  const done = runPartJob(gated, job);
  return { reached, release, done };
}
