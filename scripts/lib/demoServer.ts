import { type DemoCredentials, ensureDemoEnvironment } from "../../lib/demo/demoEnvironment.js";
import type { DemoOptions } from "../../lib/demo/generate.js";
import { currentPointer } from "../../lib/reports/read.js";
import { listEnvironmentIds, refreshEnvironmentPointer } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import type { CurrentReportItem } from "../../lib/storage/items.js";
import { dispatchJobOf } from "../../lib/webhooks/dispatch.js";
import { aesSecretBox, localSecretsKey } from "../../lib/webhooks/secretBox.js";
import { runErasureJobs } from "./erasureLoop.js";
import { type RunningServer, startLocalServer } from "./httpServer.js";
import { startRefreshLoop } from "./refreshLoop.js";
import { LocalWebhookQueue } from "./webhookQueue.js";

/**
 * What `npm start` runs once DynamoDB is up (scripts/local-server.ts), also started by the browser tests: the demo
 * environment, every route and the dashboard on one port, the report refresh loop, the erasure-job loop (the
 * jobs `user.erased` records, which SQS feeds to a worker on AWS), and the webhook queue (webhookQueue.ts): each
 * switched snapshot's dispatch and deliveries, as the webhook Lambdas run them on AWS. The loops serve every
 * environment of the tables, as the deployed schedule and workers do, the demo one first; a snapshot switched by
 * the admin CLI's `refresh` is found by the erasure loop's look at each pointer (every 5 s: two switches within one
 * look dispatch as one, the rows entering at the first are not sent). `ready` settles after the
 * first refresh, so whoever waits for it (the "Ready" line, the tests) sees filled reports, not the new
 * environment's empty snapshot.
 */
export interface DemoServerOptions {
  store: Store;
  port: number;
  credentialsPath: string;
  /** The built dashboard (web/dist). */
  webDir: string;
  refreshEveryMs: number;
  /** How often the erasure jobs `user.erased` left are looked for and run (default 5 s). */
  erasureEveryMs?: number;
  /** How often due webhook dispatches and deliveries are started (default 1 s). */
  webhookEveryMs?: number;
  /** Size of a newly generated demo history (defaults: lib/demo/generate.ts). */
  demo?: Omit<DemoOptions, "now">;
  log?: (line: string) => void;
  /** Refresh failures after the first (the first rejects `ready`). */
  onRefreshError?: (error: Error) => void;
}

export interface DemoServer {
  server: RunningServer;
  credentials: DemoCredentials;
  created: boolean;
  /** The first refresh's report_time, once it is done. */
  ready: Promise<number>;
  webhooks: LocalWebhookQueue;
  stop(): Promise<void>;
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const log = options.log ?? (() => {});
  const { credentials, created } = await ensureDemoEnvironment(options.store, options.credentialsPath, {
    log,
    demo: options.demo,
  });
  // The dashboard prefills the demo credentials only here: the built config.json everywhere else is `{}`.
  const server = await startLocalServer(options.port, { web: { dir: options.webDir, config: { demo: credentials } } });

  let first = true;
  let settle: { resolve(t: number): void; reject(e: Error): void } | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const webhooks = new LocalWebhookQueue(options.store, aesSecretBox(localSecretsKey()), { log });
  const webhookLoop = setInterval(() => webhooks.tick(), options.webhookEveryMs ?? 1_000);
  // The report_id of each environment's current snapshot as last seen here: a switch made elsewhere (the admin CLI's
  // `refresh`) is found by looking, and its webhook dispatch queued, as the worker queues its own on AWS.
  const seen = new Map<string, string>();
  const switched = (environmentId: string, pointer: CurrentReportItem) => {
    seen.set(environmentId, pointer.report_id);
    // Queued, not awaited: receivers never hold the refresh.
    webhooks.enqueueDispatch(dispatchJobOf(environmentId, pointer));
  };
  /** Every environment but the demo one, as the deployed schedule and workers serve each (CONTRACT §7). */
  const others = async () =>
    (await listEnvironmentIds(options.store)).filter((id) => id !== credentials.environment_id);
  /** `work` for each of them; a failure is reported and the others still get theirs (the loop runs again). */
  const eachOther = async (work: (environmentId: string) => Promise<void>, demoToo = false) => {
    try {
      for (const environmentId of [...(demoToo ? [credentials.environment_id] : []), ...(await others())]) {
        try {
          await work(environmentId);
        } catch (error) {
          options.onRefreshError?.(error as Error);
        }
      }
    } catch (error) {
      options.onRefreshError?.(error as Error);
    }
  };

  // Served meanwhile: the previous snapshot (or, on first start, the new environment's empty one).
  const loop = startRefreshLoop(async () => {
    const started = Date.now();
    try {
      const pointer = await refreshEnvironmentPointer(options.store, credentials.environment_id, started);
      switched(credentials.environment_id, pointer);
      log(`Reports refreshed (report_time ${pointer.report_time}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      if (first) settle?.resolve(pointer.report_time);
    } catch (error) {
      if (first) settle?.reject(error as Error);
      else options.onRefreshError?.(error as Error);
    } finally {
      first = false;
    }
    await eachOther(async (environmentId) =>
      switched(environmentId, await refreshEnvironmentPointer(options.store, environmentId, started)),
    );
  }, options.refreshEveryMs);
  const erasures = startRefreshLoop(async () => {
    try {
      for (const line of await runErasureJobs(options.store, credentials.environment_id)) log(line);
    } catch (error) {
      options.onRefreshError?.(error as Error);
    }
    await eachOther(async (environmentId) => {
      for (const line of await runErasureJobs(options.store, environmentId)) log(line);
    });
    await eachOther(async (environmentId) => {
      const pointer = await currentPointer(options.store, environmentId);
      const last = seen.get(environmentId);
      // The first look only notes it: a switch from before this server started was dispatched then.
      if (last === undefined) seen.set(environmentId, pointer.report_id);
      else if (pointer.report_id !== last) switched(environmentId, pointer);
    }, true);
  }, options.erasureEveryMs ?? 5_000);

  return {
    server,
    credentials,
    created,
    ready,
    webhooks,
    stop: async () => {
      loop.stop();
      erasures.stop();
      clearInterval(webhookLoop);
      await server.close();
    },
  };
}
