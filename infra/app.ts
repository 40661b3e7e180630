import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { buildApp } from "./build.js";

// The CDK CLI entry (cdk.json: `npx tsx infra/app.ts`). Tests use buildApp() directly.
const { app } = buildApp();
// cdk-nag runs as a synth-time policy validation: a security finding nobody reviewed (see nagSuppressions.ts)
// fails `cdk synth` and `cdk deploy`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
