import type { CfnResource } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";

/**
 * Every cfn-lint finding the synthesized template accepts, with its reason (test/infra/cfnLint.test.ts runs cfn-lint
 * on the template and fails on any error and on any warning not listed here). Suppressions are written into the
 * template as resource Metadata (`cfn-lint: config: ignore_checks`), so they hold wherever the template is linted,
 * and only on the resources named, never template-wide.
 */
export const CFN_LINT_SUPPRESSIONS = {
  W3005:
    "CDK's Function makes each function DependsOn its execution role and the role's default policy, so that it is " +
    "created only once its permissions exist. The role entry repeats the order the Role GetAtt already gives: " +
    "redundant and harmless (aws-cdk-lib's own CloudFormation validation ignores W3005 for this reason); the policy " +
    "entry is the one that matters and must stay.",
} as const;

export type CfnLintRule = keyof typeof CFN_LINT_SUPPRESSIONS;

function ignoreChecks(resource: CfnResource, rules: CfnLintRule[]): void {
  const current = (resource.getMetadata("cfn-lint") as { config?: { ignore_checks?: string[] } } | undefined)?.config;
  const ignore_checks = [...new Set([...(current?.ignore_checks ?? []), ...rules])];
  resource.addMetadata("cfn-lint", { config: { ...current, ignore_checks } });
}

/** The functions' DependsOn on their role (W3005, see above). */
export function suppressCfnLintFindings(functions: IFunction[]): void {
  for (const fn of functions) {
    const resource = fn.node.defaultChild as CfnResource | undefined;
    if (resource) ignoreChecks(resource, ["W3005"]);
  }
}
