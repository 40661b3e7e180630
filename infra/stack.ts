import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { Runtime, RuntimeFamily } from "aws-cdk-lib/aws-lambda";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { anonymousUsageKey } from "../lib/limits/authorizer.js";
import { Api } from "./api.js";
import { suppressCfnLintFindings } from "./cfnLintSuppressions.js";
import type { InfraConfig } from "./config.js";
import { Deletion } from "./deletion.js";
import { Erasure } from "./erasure.js";
import { HttpFunctions } from "./functions.js";
import { Monitoring } from "./monitoring.js";
import { acknowledgeNagFindings } from "./nagSuppressions.js";
import { Refresh } from "./refresh.js";
import { Tables } from "./tables.js";
import { acknowledgeWebNagFindings, WebDashboard } from "./web.js";
import { ensureWebBuild, WEB_DIST } from "./webBuild.js";
import { Webhooks } from "./webhooks.js";

export interface EngagementInsightsStackProps extends StackProps {
  config: InfraConfig;
}

/** The whole service: tables, one Lambda per route family behind a REST API, the report refresh, alarms. */
export class EngagementInsightsStack extends Stack {
  readonly tables: Tables;
  readonly http: HttpFunctions;
  readonly api: Api;
  readonly refresh: Refresh;
  readonly deletion: Deletion;
  readonly erasure: Erasure;
  readonly webhooks: Webhooks;
  readonly monitoring: Monitoring;
  readonly web: WebDashboard;

  constructor(scope: Construct, id: string, props: EngagementInsightsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.retainData ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS;

    const runtime = new Runtime(config.lambdaRuntime, RuntimeFamily.NODEJS, { supportsInlineCode: true });

    this.tables = new Tables(this, "Tables", { tablePrefix: config.tablePrefix, retainData: config.retainData });
    this.http = new HttpFunctions(this, "Http", {
      tables: this.tables,
      anonymousUsageKey: anonymousUsageKey(config.stage),
      allowedOrigins: config.allowedOrigins,
      runtime,
      logRetention,
      removalPolicy,
    });
    this.api = new Api(this, "Api", {
      stage: config.stage,
      functions: this.http.byFamily,
      throttlingRateLimit: config.apiThrottleRate,
      throttlingBurstLimit: config.apiThrottleBurst,
      authorizer: this.http.authorizer,
      authorizerCacheTtl: config.authorizerCacheTtl,
      tenantLimits: { rate: config.tenantRateLimit, burst: config.tenantBurstLimit },
      anonymousLimits: { rate: config.anonymousRateLimit, burst: config.anonymousBurstLimit },
      allowedOrigins: config.allowedOrigins,
      logRetention,
      removalPolicy,
    });
    this.refresh = new Refresh(this, "Refresh", {
      tables: this.tables,
      runtime,
      refreshRate: config.refreshRate,
      logRetention,
      removalPolicy,
    });
    this.deletion = new Deletion(this, "Deletion", { tables: this.tables, runtime, logRetention, removalPolicy });
    this.erasure = new Erasure(this, "Erasure", { tables: this.tables, runtime, logRetention, removalPolicy });
    // `user.erased` queues its erasure job from the ingestion request.
    this.http.byFamily.ingest.addEnvironment("ERASURE_QUEUE_URL", this.erasure.queue.queueUrl);
    this.erasure.queue.grantSendMessages(this.http.byFamily.ingest);
    this.webhooks = new Webhooks(this, "Webhooks", { tables: this.tables, runtime, logRetention, removalPolicy });
    // A switched snapshot queues its webhook dispatch (one message; receivers never hold the refresh).
    this.refresh.worker.addEnvironment("WEBHOOK_DISPATCH_QUEUE_URL", this.webhooks.dispatchQueue.queueUrl);
    this.webhooks.dispatchQueue.grantSendMessages(this.refresh.worker);
    this.monitoring = new Monitoring(this, "Monitoring", {
      namePrefix: `engagement-insights-${config.stage}`,
      api: this.api.restApi,
      functions: {
        ...this.http.byFamily,
        authorizer: this.http.authorizer,
        "refresh-dispatcher": this.refresh.dispatcher,
        "refresh-worker": this.refresh.worker,
        "deletion-worker": this.deletion.worker,
        "erasure-worker": this.erasure.worker,
        "webhook-dispatcher": this.webhooks.dispatcher,
        "webhook-delivery": this.webhooks.delivery,
      },
      deadLetterQueue: this.refresh.deadLetterQueue,
      deletionDeadLetterQueue: this.deletion.deadLetterQueue,
      erasureDeadLetterQueue: this.erasure.deadLetterQueue,
      webhookDeadLetterQueues: {
        dispatch: this.webhooks.dispatchDeadLetterQueue,
        delivery: this.webhooks.deliveryDeadLetterQueue,
      },
      tables: { entities: this.tables.entities, activity: this.tables.activity, reports: this.tables.reports },
      alarmEmail: config.alarmEmail,
    });

    // The dashboard's files are built here when stale, so `cdk synth` / `cdk deploy` always upload the current app.
    ensureWebBuild();
    this.web = new WebDashboard(this, "Web", {
      api: this.api.restApi,
      webDist: WEB_DIST,
      retainData: config.retainData,
    });

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output("ApiUrl", this.api.restApi.url, "Base URL of the API (routes are under it, e.g. .../api/v2/users)");
    output(
      "DashboardUrl",
      `https://${this.web.distribution.distributionDomainName}/`,
      "The dashboard; the API is also served under it (same origin), e.g. .../api/v2/users",
    );
    output("TablePrefix", config.tablePrefix, "TABLE_PREFIX for `npm run admin` against these tables");
    output("EntitiesTableName", this.tables.entities.tableName, "ENTITIES_TABLE");
    output("ActivityTableName", this.tables.activity.tableName, "ACTIVITY_TABLE");
    output("ReportsTableName", this.tables.reports.tableName, "REPORTS_TABLE");
    output("ApiId", this.api.restApi.restApiId, "API_ID for `npm run admin` (tenant usage plans)");
    output("ApiStage", this.api.restApi.deploymentStage.stageName, "API_STAGE for `npm run admin`");
    output("UsagePlanPrefix", this.api.usagePlanPrefix, "USAGE_PLAN_PREFIX for `npm run admin`");
    output(
      "TenantDefaultLimits",
      `TENANT_RATE_LIMIT=${config.tenantRateLimit} TENANT_BURST_LIMIT=${config.tenantBurstLimit}`,
      "The default tier, for `npm run admin` (environment create puts new environments in it)",
    );
    output("RefreshQueueUrl", this.refresh.queue.queueUrl, "Report-refresh job queue");
    output("RefreshDeadLetterQueueUrl", this.refresh.deadLetterQueue.queueUrl, "Failed refresh jobs");
    output(
      "DeletionQueueUrl",
      this.deletion.queue.queueUrl,
      "DELETION_QUEUE_URL for `npm run admin -- environment delete`",
    );
    output("ErasureQueueUrl", this.erasure.queue.queueUrl, "Erasure jobs queued by user.erased");
    output(
      "WebhookDispatchQueueUrl",
      this.webhooks.dispatchQueue.queueUrl,
      "WEBHOOK_DISPATCH_QUEUE_URL for `npm run admin -- refresh` (its snapshot's webhook deliveries)",
    );
    output("ErasureDeadLetterQueueUrl", this.erasure.deadLetterQueue.queueUrl, "Failed erasure jobs");
    output("WebhookKmsKeyId", this.webhooks.secretsKey.keyArn, "WEBHOOK_KMS_KEY_ID for `npm run admin -- webhook add`");
    output(
      "WebhookDeliveryDeadLetterQueueUrl",
      this.webhooks.deliveryDeadLetterQueue.queueUrl,
      "Failed webhook deliveries",
    );
    output("AlarmTopicArn", this.monitoring.topic.topicArn, "SNS topic every alarm notifies");

    const functions = [
      ...Object.values(this.http.byFamily),
      this.http.authorizer,
      this.refresh.dispatcher,
      this.refresh.worker,
      this.deletion.worker,
      this.erasure.worker,
      this.webhooks.dispatcher,
      this.webhooks.delivery,
    ];
    acknowledgeNagFindings({ api: this.api, tables: this.tables, functions, runtime: config.lambdaRuntime });
    suppressCfnLintFindings(functions);
    acknowledgeWebNagFindings(this.web);
  }
}
