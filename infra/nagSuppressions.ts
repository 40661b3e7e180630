import { Stack, Validations } from "aws-cdk-lib";
import type { CfnTable } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Api } from "./api.js";
import type { Tables } from "./tables.js";

export interface NagScope {
  api: Api;
  tables: Tables;
  functions: IFunction[];
  /** The configured runtime name (context lambdaRuntime). */
  runtime: string;
}

/**
 * Every cdk-nag (AwsSolutions) finding this stack accepts, each on the narrowest construct, with its reason.
 * Anything else fails `cdk synth` (infra/app.ts) and test/infra/nag.test.ts.
 */
export function acknowledgeNagFindings({ api, tables, functions, runtime }: NagScope): void {
  const restApi = api.restApi;
  Validations.of(restApi).acknowledge(
    {
      id: "AwsSolutions-APIG4",
      reason:
        "Authentication is the service's own: API keys (Authorization: Bearer) and dashboard user tokens " +
        "(x-user-id + x-auth-token), verified by each family's Lambda against hashed credentials (CONTRACT §0), " +
        "with the error bodies existing clients parse. There are no IAM or Cognito principals to authorize; " +
        "unknown paths and wrong methods are answered 404/405 by the handlers without reading data. The CORS " +
        "preflight's OPTIONS methods (context allowedOrigins) are mock answers that read nothing.",
    },
    {
      id: "AwsSolutions-COG4",
      reason:
        "No Cognito user pool: clients authenticate with the service's API keys and user tokens, checked in the " +
        "Lambda (CONTRACT §0).",
    },
    {
      id: "AwsSolutions-APIG2",
      reason:
        "Requests are validated by the handlers, whose 400 bodies are part of the contract (exact texts in " +
        "CONTRACT §2, §4–§6); an API Gateway request validator would answer in its own format instead.",
    },
    {
      id: "AwsSolutions-APIG3",
      reason:
        "Abuse is bounded by stage throttling (context apiThrottleRate/apiThrottleBurst) and every route needs a " +
        "credential checked in constant time. A WAFv2 web ACL is an account-level choice (and cost) that can be " +
        "associated with the stage without changing this stack.",
    },
  );
  const cloudWatchRole = restApi.node.tryFindChild("CloudWatchRole");
  if (cloudWatchRole) {
    Validations.of(cloudWatchRole).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
      reason:
        "The account-level role API Gateway uses to write execution and access logs; AWS documents this managed " +
        "policy for it and API Gateway needs log-group creation rights it cannot know in advance.",
    });
  }

  const stack = Stack.of(restApi);
  const entitiesArn = stack.getLogicalId(tables.entities.node.defaultChild as CfnTable);
  for (const fn of functions) {
    if (!fn.role) continue;
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${entitiesArn}.Arn>/index/*]`,
      reason:
        "Table grants cover the entities table's GSIs as table/index/*: the table has exactly the two indexes of " +
        "lib/storage/tableDesign.ts (bySignup, byLastActive), both read by the service; actions are still limited " +
        "to the ones the grant names.",
    });
  }
  // cdk-nag's L1 wants the newest runtime aws-cdk-lib knows, which moves with every aws-cdk-lib release. The default,
  // nodejs24.x, is the newest Node.js runtime Lambda offers today; nodejs22.x stays selectable (context lambdaRuntime)
  // while Lambda supports it, and cfn-lint (test/infra/cfnLint.test.ts) fails the build on a deprecated one.
  for (const fn of functions) {
    const resource = fn.node.defaultChild;
    if (!resource) continue;
    Validations.of(resource).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        `The runtime (${runtime}) is chosen per deployment with context lambdaRuntime (nodejs24.x default, the ` +
        "bundles' esbuild target follows it); cdk-nag's latest-runtime rule moves with every aws-cdk-lib release, " +
        "and deprecated runtimes are caught by cfn-lint in the test suite instead.",
    });
  }
}
