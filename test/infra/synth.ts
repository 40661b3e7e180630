import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { buildApp } from "../../infra/build.js";
import { PROJECT_ROOT } from "../../infra/paths.js";

const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}/cdk.json`, "utf8")) as { context: Record<string, unknown> };

/**
 * Synthesizes the stack as `cdk synth` would (cdk.json context plus overrides), but without bundling (NodejsFunction
 * then uses a placeholder asset) and without CloudFormation's default-rules validation, which `cdk synth` runs.
 */
export function synth(context: Record<string, unknown> = {}, options: { outdir?: string } = {}) {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...cdkJson.context,
      "aws:cdk:bundling-stacks": [],
      "@aws-cdk/core:validateAgainstDefaultRules": false,
      // Keeps each resource's construct path in the template, so tests can tell functions apart by name.
      "aws:cdk:enable-path-metadata": true,
      ...context,
    },
  });
  const { stack } = buildApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Synthesized CloudFormation is untyped JSON; tests navigate it freely and assert on what they find. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON
export type Json = any;

export type CfnResource = { Type: string; Properties?: Record<string, Json>; Metadata?: Record<string, Json> } & Record<
  string,
  Json
>;

export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

/** The logical id of the resource whose construct path ends with `suffix` (e.g. `/Http/users/Resource`). */
export function logicalIdByPath(template: Template, type: string, suffix: string): string {
  const found = resourcesOfType(template, type).filter(([, r]) =>
    String(r.Metadata?.["aws:cdk:path"]).endsWith(suffix),
  );
  if (found.length !== 1) throw new Error(`expected one ${type} at *${suffix}, found ${found.length}`);
  return (found[0] as [string, CfnResource])[0];
}
