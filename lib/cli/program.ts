import { Command, CommanderError, Option } from "commander";
import { DASHBOARD_PERMISSION, UnknownEnvironmentError } from "../auth/credentials.js";
import { HttpError } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { deletionStatus } from "../tenants/deletion.js";
import { deployedWebhooks, secretBoxFromEnv } from "../webhooks/kmsSecretBox.js";
import {
  apiKeyCreate,
  apiKeyRevoke,
  environmentCreate,
  parseNow,
  refreshCommand,
  userTokenCreate,
} from "./commands.js";
import { CliError } from "./errors.js";
import { type ImportPhase, ImportValidationError, importEvents } from "./importEvents.js";
import {
  environmentLimitsAudit,
  environmentSetLimits,
  type Gateway,
  parseLimits,
  provisionGatewayKey,
} from "./limitsCommands.js";
import { parseApiKeyPermissions, parseUserTokenPermissions } from "./permissions.js";
import { environmentDelete, environmentExport, type JobQueue, userErase } from "./tenantCommands.js";
import { type WebhookSecrets, webhookAdd, webhookList, webhookRemove } from "./webhookCommands.js";

/** Where the admin CLI writes and what it talks to; the script passes the process's, tests their own. */
export interface AdminIo {
  store: () => Store;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The deployed API's usage plans to keep in step (API_ID etc. set), or none (local). */
  gateway?: () => Gateway | undefined;
  /** The deployment's deletion-job queue (DELETION_QUEUE_URL set), or none: the job then runs in the CLI. */
  deletionQueue?: () => JobQueue | undefined;
  /**
   * The deployment's webhook dispatch queue (WEBHOOK_DISPATCH_QUEUE_URL set), or none: `refresh` queues the switched
   * snapshot's dispatch there, as the refresh worker does (locally, `npm start` finds the switch itself).
   */
  webhookDispatchQueue?: () => JobQueue | undefined;
  /** A progress display for `import` (a progress bar when stderr is a terminal), or none. */
  progress?: () => ImportProgress;
  /** How webhook secrets are sealed and whether receivers must be public https (default: from the environment). */
  webhookSecrets?: () => WebhookSecrets;
}

export interface ImportProgress {
  update(phase: ImportPhase, bytesRead: number, totalBytes: number): void;
  stop(): void;
}

function buildProgram(io: AdminIo, print: (result: object) => void): Command {
  const program = new Command("admin")
    .description("Operate engagement-insights: environments, credentials, imports, report refreshes (CONTRACT §1).")
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(text) });

  const environment = program.command("environment").description("Manage environments");
  environment
    .command("create")
    .description('Create an environment and an API key with both permissions; prints {"environment_id","api_key"}')
    .requiredOption("--name <name>", "name of the environment (e.g. the customer product)")
    .action(async (options: { name: string }) => {
      const created = await environmentCreate(io.store(), options.name);
      await provisionGatewayKey(io.gateway?.(), created.environment_id);
      print(created);
    });
  environment
    .command("set-limits")
    .description(
      "Set an environment's request limits (per second, and the burst allowed at once); requests above them are " +
        'answered 429 with Retry-After before reaching the service; prints {"environment_id","rate","burst","tier"}',
    )
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--rate <n>", "steady requests per second (1-10000)")
    .requiredOption("--burst <n>", "requests allowed at once (1-50000)")
    .action(async (options: { environment: string; rate: string; burst: string }) =>
      print(
        await environmentSetLimits(
          io.store(),
          io.gateway?.(),
          options.environment,
          parseLimits(options.rate, options.burst),
        ),
      ),
    );
  environment
    .command("limits-audit")
    .description(
      "Compare every environment's stored limits with the deployed API's usage plans (needs API_ID, API_STAGE, " +
        "USAGE_PLAN_PREFIX); lists the tier plans made by set-limits and reports drift: an environment's key " +
        "missing or in another tier's plan, a plan whose throttle differs from its name, a key of a deleted " +
        'environment; prints {"environments","in_step","plans","drift","plan_drift","orphan_keys"} ' +
        '(and "fixed" with --fix)',
    )
    .option("--fix", "repair the drift: move keys into their tier's plan, reset plan throttles, delete orphan keys")
    .action(async (options: { fix?: boolean }) =>
      print(await environmentLimitsAudit(io.store(), io.gateway?.(), options.fix === true)),
    );

  environment
    .command("export")
    .description(
      "Write the environment's users, orgs and memberships to FILE as JSON Lines (one record a line, " +
        '"record": "user" | "org" | "membership"); prints {"users","orgs","memberships"}',
    )
    .requiredOption("--environment <id>", "environment id")
    .argument("<file>", "JSON Lines file to write (replaced if it exists)")
    .action(async (file: string, options: { environment: string }) =>
      print(await environmentExport(io.store(), options.environment, file)),
    );
  environment
    .command("delete")
    .description(
      "Delete an environment and everything it stored: its API keys and user tokens are revoked at once, then " +
        "every item is removed by a resumable job (queued on AWS, run here locally with progress on stderr; " +
        "run the command again to resume one that was interrupted). Export first: this cannot be undone",
    )
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--confirm <id>", "the environment id again")
    .action(async (options: { environment: string; confirm: string }) => {
      const showProgress = io.progress !== undefined;
      const result = await environmentDelete(io.store(), options.environment, options.confirm, {
        gateway: io.gateway?.(),
        queue: io.deletionQueue?.(),
        onProgress: showProgress
          ? (p) => io.stderr(`\rdeleting: ${p.deleted} items deleted, ${p.finished}/${p.segments} scan segments done`)
          : undefined,
      });
      if (showProgress) io.stderr("\n");
      print(result);
    });

  environment
    .command("delete-status")
    .description(
      "Show the deletion job of an environment; prints " +
        '{"environment_id","state","deleted_items","scanned_items","started_at","updated_at",...}: state "running" ' +
        '(with finished_segments of segments), "done" (with finished_at), or "not_found" when no deletion was ' +
        "started (with environment_exists)",
    )
    .requiredOption("--environment <id>", "environment id")
    .action(async (options: { environment: string }) => print(await deletionStatus(io.store(), options.environment)));

  program
    .command("user")
    .description("Manage the people an environment stores")
    .command("erase")
    .description(
      "Erase a person (right to erasure): the user is deleted and its email, username, names, profile and sign-up " +
        "parameters are removed from every stored item, report snapshots included; anonymous counts stay and " +
        'later events about the user change nothing; prints {"user_id","erased","snapshot_rows","invites"}',
    )
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--user-id <id>", "the user's id (user_id of its events)")
    .action(async (options: { environment: string; userId: string }) =>
      print(await userErase(io.store(), options.environment, options.userId)),
    );

  const apiKey = program.command("api-key").description("Manage API keys");
  apiKey
    .command("create")
    .description('Create an API key; prints {"api_key","permissions"}')
    .requiredOption("--environment <id>", "environment id")
    .option("--permissions <list>", "comma-separated, of: read, ingest (default: both)")
    .action(async (options: { environment: string; permissions?: string }) => {
      const permissions = options.permissions === undefined ? undefined : parseApiKeyPermissions(options.permissions);
      print(await apiKeyCreate(io.store(), options.environment, permissions));
    });
  apiKey
    .command("revoke")
    .description('Revoke an API key of the environment; prints {"revoked": true}')
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--api-key <key>", "the API key to revoke")
    .action(async (options: { environment: string; apiKey: string }) =>
      print(await apiKeyRevoke(io.store(), options.environment, options.apiKey)),
    );

  program
    .command("user-token")
    .description("Manage dashboard user tokens")
    .command("create")
    .description('Create a token for a dashboard user; prints {"user_id","auth_token"}')
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--user-id <id>", "the dashboard user's id (sent as x-user-id)")
    .option("--permissions <list>", `comma-separated permissions (default: ${DASHBOARD_PERMISSION})`)
    .action(async (options: { environment: string; userId: string; permissions?: string }) => {
      const permissions =
        options.permissions === undefined ? undefined : parseUserTokenPermissions(options.permissions);
      print(await userTokenCreate(io.store(), options.environment, options.userId, permissions));
    });

  program
    .command("import")
    .description(
      'Import a JSON Lines file of events (one event a line); all lines are validated first and nothing is written if any is invalid; prints {"accepted","duplicates"}',
    )
    .requiredOption("--environment <id>", "environment id")
    .argument("<file>", "JSON Lines file")
    .action(async (file: string, options: { environment: string }) => {
      const progress = io.progress?.();
      try {
        const result = await importEvents(io.store(), options.environment, file, {
          onProgress: progress ? (phase, read, total) => progress.update(phase, read, total) : undefined,
        });
        progress?.stop();
        print(result);
      } catch (error) {
        progress?.stop();
        throw error;
      }
    });

  const secrets = () => io.webhookSecrets?.() ?? { box: secretBoxFromEnv(), deployed: deployedWebhooks() };
  const webhook = program.command("webhook").description("Manage signed webhooks on report changes (CONTRACT §12)");
  webhook
    .command("add")
    .description(
      "Subscribe a URL to rows entering reports: after each refresh the users or orgs new in each report × " +
        'interval are POSTed there, signed (Standard Webhooks); prints {"webhook_id","secret"} (the secret only now)',
    )
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--url <url>", "the receiver: https (locally also http to a loopback host)")
    .requiredOption(
      "--reports <list>",
      "comma-separated report × intervals, e.g. user_report.churn.7,org_report.attrition.30",
    )
    .action(async (options: { environment: string; url: string; reports: string }) =>
      print(await webhookAdd(io.store(), secrets(), options.environment, options.url, options.reports)),
    );
  webhook
    .command("list")
    .description('List the environment\'s webhooks; prints {"webhooks": [{"webhook_id","url","reports","created_at"}]}')
    .requiredOption("--environment <id>", "environment id")
    .action(async (options: { environment: string }) => print(await webhookList(io.store(), options.environment)));
  webhook
    .command("remove")
    .description('Remove a webhook (deliveries still queued for it are dropped); prints {"removed": true}')
    .requiredOption("--environment <id>", "environment id")
    .requiredOption("--webhook-id <id>", "the webhook_id add printed")
    .action(async (options: { environment: string; webhookId: string }) =>
      print(await webhookRemove(io.store(), options.environment, options.webhookId)),
    );

  program
    .command("refresh")
    .description('Recompute every report snapshot of an environment now; prints {"report_time"}')
    .requiredOption("--environment <id>", "environment id")
    .addOption(new Option("--now <iso>", "the instant the report windows end at (default: now)"))
    .action(async (options: { environment: string; now?: string }) =>
      print(
        await refreshCommand(io.store(), options.environment, parseNow(options.now), {
          // An explicit --now is served even over a newer snapshot: the operator asked for that instant.
          replaceNewer: options.now !== undefined,
          dispatchQueue: io.webhookDispatchQueue?.(),
        }),
      ),
    );

  return program;
}

function errorMessage(error: unknown): string {
  if (error instanceof CliError || error instanceof UnknownEnvironmentError) return error.message;
  if (error instanceof HttpError) return `rejected: ${JSON.stringify(error.body)}`;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.split("\n")[0] ?? message;
}

/**
 * A command line that names no command (or a group such as `environment` without one of its commands): a one-line
 * error (CONTRACT §1), where commander would print the whole help on stderr. `--help` still prints it.
 */
function missingCommand(program: Command, argv: string[]): void {
  if (argv.some((arg) => arg === "--help" || arg === "-h")) return;
  const words = argv.filter((arg) => !arg.startsWith("-"));
  const group = words.length === 1 ? program.commands.find((c) => c.name() === words[0]) : program;
  if (words.length > 1 || !group || group.commands.length === 0) return;
  const names = group.commands.map((c) => c.name()).join(", ");
  const head = group === program ? "a command is required" : `\`${group.name()}\` needs a command`;
  throw new CliError(`${head}: ${names} (--help lists them)`);
}

/** Runs one admin command line (`argv` without node and script); resolves to the process exit code. */
export async function runAdmin(argv: string[], io: AdminIo): Promise<number> {
  const program = buildProgram(io, (result) => io.stdout(`${JSON.stringify(result)}\n`));
  try {
    missingCommand(program, argv);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successful exits; commander has already printed the usage error otherwise.
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" ? 0 : 1;
    }
    // One line (CONTRACT §1); an import's invalid lines as they are, `line N: <message>; line M: ...`.
    io.stderr(error instanceof ImportValidationError ? `${error.message}\n` : `error: ${errorMessage(error)}\n`);
    return 1;
  }
}
