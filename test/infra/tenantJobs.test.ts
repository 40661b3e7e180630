import { beforeAll, describe, expect, it } from "vitest";
import { type CfnResource, logicalIdByPath, resourcesOfType, synth } from "./synth.js";

/** The environment-deletion jobs: their queue, DLQ and worker, and the worker's narrow rights. */

let template: ReturnType<typeof synth>["template"];
beforeAll(() => {
  template = synth().template;
});

const ref = (id: string) => ({ Ref: id });

describe("deletion jobs in the stack", () => {
  it("queue jobs with retries and a DLQ for a worker fed one job at a time", () => {
    const queues = resourcesOfType(template, "AWS::SQS::Queue").filter(([, q]) =>
      String(q.Metadata?.["aws:cdk:path"]).includes("/Deletion/"),
    );
    expect(queues).toHaveLength(2);
    const [jobsId, jobs] = queues.find(([, q]) => q.Properties?.RedrivePolicy) as [string, CfnResource];
    expect(jobs.Properties?.RedrivePolicy.maxReceiveCount).toBe(3);
    const workerId = logicalIdByPath(template, "AWS::Lambda::Function", "/Deletion/Worker/Resource");
    const worker = template.toJSON().Resources[workerId].Properties;
    expect(jobs.Properties?.VisibilityTimeout).toBeGreaterThan(worker.Timeout);
    expect(worker.Environment.Variables.DELETION_QUEUE_URL).toEqual(ref(jobsId));
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: ref(workerId),
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(template.toJSON().Outputs.DeletionQueueUrl.Value).toEqual(ref(jobsId));
  });

  it("let the worker scan and delete in the three tables, and write nothing else", () => {
    const policies = resourcesOfType(template, "AWS::IAM::Policy").filter(([, p]) =>
      JSON.stringify(p.Properties?.Roles).includes("DeletionWorkerRole"),
    );
    const statements = policies.flatMap(([, p]) => p.Properties?.PolicyDocument.Statement as CfnResource[]);
    const dynamo = new Set(
      statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith("dynamodb:")),
    );
    expect([...dynamo].sort()).toEqual(
      [
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
      ].sort(),
    );
    for (const table of ["Entities", "Activity", "Reports"]) {
      const id = logicalIdByPath(template, "AWS::DynamoDB::Table", `/Tables/${table}/Resource`);
      const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${id}"`));
      expect(
        onTable.flatMap((s) => [s.Action].flat()),
        table,
      ).toContain("dynamodb:Scan");
    }
  });
});

describe("erasure jobs in the stack", () => {
  it("queue jobs from ingestion with retries, a DLQ and its alarm, for a worker fed one job at a time", () => {
    const queues = resourcesOfType(template, "AWS::SQS::Queue").filter(([, q]) =>
      String(q.Metadata?.["aws:cdk:path"]).includes("/Erasure/"),
    );
    expect(queues).toHaveLength(2);
    const [jobsId, jobs] = queues.find(([, q]) => q.Properties?.RedrivePolicy) as [string, CfnResource];
    const [dlqId] = queues.find(([, q]) => !q.Properties?.RedrivePolicy) as [string, CfnResource];
    expect(jobs.Properties?.RedrivePolicy.deadLetterTargetArn).toEqual({ "Fn::GetAtt": [dlqId, "Arn"] });
    const workerId = logicalIdByPath(template, "AWS::Lambda::Function", "/Erasure/Worker/Resource");
    const worker = template.toJSON().Resources[workerId].Properties;
    expect(jobs.Properties?.VisibilityTimeout).toBeGreaterThan(worker.Timeout);
    expect(worker.Environment.Variables.ERASURE_QUEUE_URL).toEqual(ref(jobsId));
    const ingestId = logicalIdByPath(template, "AWS::Lambda::Function", "/Http/ingest/Resource");
    expect(template.toJSON().Resources[ingestId].Properties.Environment.Variables.ERASURE_QUEUE_URL).toEqual(
      ref(jobsId),
    );
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: ref(workerId),
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").filter(([, a]) =>
      JSON.stringify(a.Properties?.Dimensions ?? []).includes(dlqId),
    );
    expect(alarms).toHaveLength(1);
  });

  it("let the worker read and write by key only: no Scan, no BatchWrite, nothing on other rights", () => {
    const policies = resourcesOfType(template, "AWS::IAM::Policy").filter(([, p]) =>
      JSON.stringify(p.Properties?.Roles).includes("ErasureWorkerRole"),
    );
    const statements = policies.flatMap(([, p]) => p.Properties?.PolicyDocument.Statement as CfnResource[]);
    const on = (table: string) => {
      const id = logicalIdByPath(template, "AWS::DynamoDB::Table", `/Tables/${table}/Resource`);
      return new Set(
        statements
          .filter((s) => JSON.stringify(s.Resource).includes(`"${id}"`))
          .flatMap((s) => [s.Action].flat())
          .filter((a: string) => a.startsWith("dynamodb:")),
      );
    };
    expect([...on("Entities")].sort()).toEqual(["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    expect([...on("Activity")].sort()).toEqual(["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:UpdateItem"]);
    expect([...on("Reports")].sort()).toEqual(["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"]);
  });
});
