import { beforeAll, describe, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS } from "../../lib/webhooks/deliver.js";
import { type CfnResource, type Json, logicalIdByPath, resourcesOfType, synth } from "./synth.js";

/** Signed webhooks (§12) in the stack: queues, DLQs, alarms, the KMS key and the workers' narrow rights. */

let template: ReturnType<typeof synth>["template"];
beforeAll(() => {
  template = synth().template;
});

const ref = (id: string) => ({ Ref: id });
const statementsOf = (role: string) =>
  resourcesOfType(template, "AWS::IAM::Policy")
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(role))
    .flatMap(([, p]) => p.Properties?.PolicyDocument.Statement as CfnResource[]);
const actionsOf = (role: string) => new Set(statementsOf(role).flatMap((s) => [s.Action].flat() as string[]));

describe("webhooks in the stack", () => {
  it("queue deliveries with a DLQ after MAX_DELIVERY_ATTEMPTS receives, retained past the 24 h of retries", () => {
    const queues = resourcesOfType(template, "AWS::SQS::Queue").filter(([, q]) =>
      String(q.Metadata?.["aws:cdk:path"]).includes("/Webhooks/DeliveryQueues/"),
    );
    expect(queues).toHaveLength(2);
    const [deliveryId, delivery] = queues.find(([, q]) => q.Properties?.RedrivePolicy) as [string, CfnResource];
    expect(delivery.Properties?.RedrivePolicy.maxReceiveCount).toBe(MAX_DELIVERY_ATTEMPTS);
    expect(delivery.Properties?.MessageRetentionPeriod).toBeGreaterThan(28 * 3600);
    expect(delivery.Properties?.SqsManagedSseEnabled).toBe(true);
    const workerId = logicalIdByPath(template, "AWS::Lambda::Function", "/Webhooks/Delivery/Resource");
    const worker = template.toJSON().Resources[workerId].Properties;
    expect(delivery.Properties?.VisibilityTimeout).toBeGreaterThan(worker.Timeout);
    expect(worker.Environment.Variables.WEBHOOK_DELIVERY_QUEUE_URL).toEqual(ref(deliveryId));
    expect(worker.VpcConfig).toBeUndefined();
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: ref(workerId),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("alarm on both dead-letter queues", () => {
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties as Json);
    for (const name of ["webhook-delivery-dlq", "webhook-dispatch-dlq"]) {
      const alarm = alarms.find((a) => String(JSON.stringify(a.AlarmName)).includes(name));
      expect(alarm, name).toBeDefined();
      expect(alarm.MetricName).toBe("ApproximateNumberOfMessagesVisible");
      expect(alarm.AlarmActions).toHaveLength(1);
    }
  });

  it("seal secrets with a rotated KMS key only the delivery worker may decrypt with", () => {
    const keys = resourcesOfType(template, "AWS::KMS::Key");
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] as [string, CfnResource];
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    const kmsActions = (role: string) =>
      statementsOf(role)
        .filter((s) => JSON.stringify(s.Resource).includes(keyId))
        .flatMap((s) => [s.Action].flat());
    expect(kmsActions("WebhooksDeliveryRole")).toEqual(["kms:Decrypt"]);
    for (const role of ["WebhooksDispatcherRole", "RefreshWorkerRole", "HttpIngest"])
      expect(kmsActions(role)).toEqual([]);
    const workerId = logicalIdByPath(template, "AWS::Lambda::Function", "/Webhooks/Delivery/Resource");
    expect(template.toJSON().Resources[workerId].Properties.Environment.Variables.WEBHOOK_KMS_KEY_ID).toEqual({
      "Fn::GetAtt": [keyId, "Arn"],
    });
  });

  it("give each worker only what it does: the dispatch reads, the delivery reads one item", () => {
    const dynamo = (role: string) => [...actionsOf(role)].filter((a) => a.startsWith("dynamodb:")).sort();
    expect(dynamo("WebhooksDispatcherRole")).toEqual(["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"]);
    expect(dynamo("WebhooksDeliveryRole")).toEqual(["dynamodb:GetItem"]);
    expect([...actionsOf("WebhooksDispatcherRole")].filter((a) => a.startsWith("sqs:Send"))).toEqual([
      "sqs:SendMessage",
    ]);
    expect([...actionsOf("WebhooksDeliveryRole")].filter((a) => a.startsWith("sqs:Send"))).toEqual([]);
  });

  it("let the refresh worker queue dispatches", () => {
    const workerId = logicalIdByPath(template, "AWS::Lambda::Function", "/Refresh/Worker/Resource");
    const dispatchId = resourcesOfType(template, "AWS::SQS::Queue").find(
      ([, q]) =>
        String(q.Metadata?.["aws:cdk:path"]).includes("/Webhooks/DispatchQueues/") && q.Properties?.RedrivePolicy,
    )?.[0] as string;
    expect(template.toJSON().Resources[workerId].Properties.Environment.Variables.WEBHOOK_DISPATCH_QUEUE_URL).toEqual(
      ref(dispatchId),
    );
    const sends = statementsOf("RefreshWorkerRole").filter(
      (s) => JSON.stringify(s.Resource).includes(dispatchId) && [s.Action].flat().includes("sqs:SendMessage"),
    );
    expect(sends).toHaveLength(1);
  });
});
