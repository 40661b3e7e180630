import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaEntries } from "../../infra/bundling.js";
import { CFN_LINT_SUPPRESSIONS } from "../../infra/cfnLintSuppressions.js";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { type Json, synth } from "./synth.js";

/** Every Lambda of the stack (infra/bundling.ts). */
const FUNCTIONS = Object.keys(lambdaEntries).length;

/**
 * cfn-lint (AWS's CloudFormation linter) on the synthesized templates: it knows what cdk-nag doesn't — invalid
 * properties, deprecated runtimes (a nodejs20.x function can no longer be created or updated: E2533). No error, and
 * no warning but the ones infra/cfnLintSuppressions.ts accepts with a reason.
 *
 * cfn-lint is a Python tool: `pip install cfn-lint` (.ci/run installs it). Without it this file fails, saying so,
 * unless SKIP_CFN_LINT=1 opts out.
 */

const run = promisify(execFile);
const INSTALL = "install it with `pip install cfn-lint` (or `pipx install cfn-lint`)";
const INSTALL_HINT = `cfn-lint is not installed (or not on the PATH): ${INSTALL}, or set SKIP_CFN_LINT=1 to skip this lint.`;
const skip = process.env.SKIP_CFN_LINT === "1";
if (skip) console.warn(`SKIP_CFN_LINT=1: cfn-lint does not check the synthesized template (to run it, ${INSTALL}).`);
const installed = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" }).status === 0;

interface Finding {
  Filename: string;
  Level: "Error" | "Warning" | "Informational";
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/** cfn-lint's findings on the templates (its exit code only says which levels were found; the JSON says what). */
async function lint(...templates: string[]): Promise<Finding[]> {
  try {
    const { stdout } = await run("cfn-lint", ["--format", "json", "--", ...templates], { cwd: PROJECT_ROOT });
    return JSON.parse(stdout || "[]");
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout;
    if (!stdout) throw error;
    return JSON.parse(stdout);
  }
}

const describeOf = (f: Finding) => `${f.Level} ${f.Rule.Id} at ${f.Location.Path.join("/")}: ${f.Message}`;

const outdir = mkdtempSync(join(tmpdir(), "cfn-lint-"));
let dev: string;
let prod: string;
const broken = join(outdir, "broken.template.json");
/** One cfn-lint run over every template (its start-up costs more than a template). */
let findings: Finding[];
const findingsOf = (template: string) => findings.filter((f) => f.Filename === template);

/** The dev template with a deprecated runtime and without its suppressions: what the lint must catch. */
function writeBrokenTemplate() {
  const template = JSON.parse(readFileSync(dev, "utf8")) as Json;
  for (const resource of Object.values(template.Resources as Record<string, Json>)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    resource.Properties.Runtime = "nodejs20.x";
    delete resource.Metadata["cfn-lint"];
  }
  writeFileSync(broken, JSON.stringify(template));
}

beforeAll(async () => {
  if (skip) return;
  if (!installed) throw new Error(INSTALL_HINT);
  // The default (dev, nodejs24.x) and every other context key moved at once (prod stage, nodejs22.x).
  const templateOf = (context: Record<string, unknown>, name: string) => {
    const dir = join(outdir, name);
    const { app, stack } = synth(context, { outdir: dir });
    return app.synth().getStackArtifact(stack.artifactId).templateFullPath;
  };
  dev = templateOf({}, "dev");
  prod = templateOf({ stage: "prod", lambdaRuntime: "nodejs22.x", alarmEmail: "ops@example.com" }, "prod");
  writeBrokenTemplate();
  findings = await lint(dev, prod, broken);
}, 600_000); // two syntheses and a cfn-lint run: ~20 s of CPU, minutes on a loaded machine
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.skipIf(skip)("cfn-lint on the synthesized stack", () => {
  it("reports no error and no unaccepted warning, for the default and a prod configuration", () => {
    for (const template of [dev, prod]) {
      expect(
        findingsOf(template)
          .filter((f) => f.Level !== "Informational")
          .map(describeOf),
      ).toEqual([]);
    }
  });

  it("accepts only the reviewed warnings, each with its reason, on the resources named", () => {
    const template = JSON.parse(readFileSync(dev, "utf8")) as Json;
    const suppressed = Object.entries(template.Resources as Record<string, Json>).flatMap(([id, resource]) =>
      ((resource.Metadata?.["cfn-lint"]?.config?.ignore_checks as string[] | undefined) ?? []).map((rule) => ({
        id,
        type: resource.Type as string,
        rule,
      })),
    );
    expect(template.Metadata?.["cfn-lint"], "nothing suppressed template-wide").toBeUndefined();
    expect(new Set(suppressed.map((s) => `${s.type} ${s.rule}`))).toEqual(new Set(["AWS::Lambda::Function W3005"]));
    // Each service function and CDK's dashboard-upload handler (infra/web.ts).
    expect(suppressed).toHaveLength(FUNCTIONS + 1);
    for (const reason of Object.values(CFN_LINT_SUPPRESSIONS)) expect(reason.length).toBeGreaterThan(100);
  });

  it("would fail the stack on a deprecated runtime and on a warning nobody accepted", () => {
    const count = (level: string, rule: string) =>
      findingsOf(broken).filter((f) => f.Level === level && f.Rule.Id === rule).length;
    // Each service function and CDK's dashboard-upload handler (infra/web.ts).
    expect(count("Error", "E2533"), "nodejs20.x is refused for each function").toBe(FUNCTIONS + 1);
    expect(count("Warning", "W3005"), "unsuppressed DependsOn warnings").toBe(FUNCTIONS + 1);
  });
});
