import { App, Stack, Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { synth } from "./synth.js";

/** Every finding (error or warning) cdk-nag's AwsSolutions pack reports that no acknowledgment covers. */
function findings(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
}

/** The acknowledgments recorded on the stack's constructs: rule id → reasons. */
function acknowledgments(stack: Stack): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^annotation::/i, "");
        found.set(rule, [...(found.get(rule) ?? []), reason]);
      }
    }
  }
  return found;
}

describe("cdk-nag AwsSolutions", () => {
  it("reports nothing unacknowledged for dev", () => {
    expect(findings(synth().app)).toEqual([]);
  });

  it("reports nothing unacknowledged for a retained (prod) stage, with cross-origin preflights", () => {
    expect(findings(synth({ stage: "prod", allowedOrigins: "https://app.example.com" }).app)).toEqual([]);
  });

  it("acknowledges only the reviewed rules, each with a specific reason", () => {
    const { stack } = synth();
    const acknowledged = acknowledgments(stack);
    const rules = [...acknowledged.keys()].map((id) => id.replace(/\[.*$/, "")).sort();
    expect([...new Set(rules)]).toEqual(
      [
        "AwsSolutions-APIG2",
        "AwsSolutions-APIG3",
        "AwsSolutions-APIG4",
        "AwsSolutions-CFR1",
        "AwsSolutions-CFR2",
        "AwsSolutions-CFR4",
        "AwsSolutions-COG4",
        "AwsSolutions-IAM4",
        "AwsSolutions-IAM5",
        "AwsSolutions-L1",
      ].sort(),
    );
    // Wildcard and managed-policy findings are acknowledged one finding at a time, never the whole rule.
    for (const id of acknowledged.keys()) {
      if (/AwsSolutions-IAM[45]/.test(id)) expect(id).toMatch(/\[.+\]$/);
    }
    for (const reasons of acknowledged.values()) {
      for (const reason of reasons) expect(reason.length).toBeGreaterThan(60);
    }
  });

  it("would catch a finding nobody acknowledged", () => {
    const app = new App();
    const stack = new Stack(app, "Probe");
    new Queue(stack, "PlainQueue");
    expect(findings(app)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("AwsSolutions-SQS3"),
        expect.stringContaining("AwsSolutions-SQS4"),
      ]),
    );
  });
});
