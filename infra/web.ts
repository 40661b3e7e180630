import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { RestApiOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import type { CfnBucket } from "aws-cdk-lib/aws-s3";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { suppressCfnLintFindings } from "./cfnLintSuppressions.js";
import { CONTENT_SECURITY_POLICY } from "./webHeaders.js";

export interface WebDashboardProps {
  api: RestApi;
  /** The built dashboard (web/dist; infra/webBuild.ts builds it when stale). */
  webDist: string;
  /** Whether access logs must outlive the stack (everything but `dev`). */
  retainData: boolean;
}

/** The paths CloudFront hands to the API instead of the bucket: every route of lib/routes.ts starts with /api/. */
export const API_PATH_PATTERN = "/api/*";

/**
 * The dashboard (web/) in AWS: its files in a private S3 bucket read only by CloudFront (origin access control),
 * and the API behind the same CloudFront distribution under /api/*, so the app calls its own origin: no CORS, and
 * the API keys it sends never go to a second host.
 *
 * | path      | origin                        | cache                          | viewer          |
 * |-----------|-------------------------------|--------------------------------|-----------------|
 * | /api/*    | the REST API's stage          | none; every viewer header but  | HTTPS only, any |
 * |           |                               | Host forwarded (Authorization, | method          |
 * |           |                               | environment-id, x-user-id...)  |                 |
 * | all else  | the bucket (OAC, SigV4)       | CachingOptimized               | HTTPS only      |
 *
 * Both send the security headers of infra/webHeaders.ts plus HSTS. Access logs of the distribution and the bucket
 * go to a log bucket. The upload invalidates index.html and config.json; the hashed assets never change in place.
 */
export class WebDashboard extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  readonly deployment: BucketDeployment;
  readonly responseHeaders: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: WebDashboardProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.logBucket = new Bucket(this, "Logs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs: the bucket must accept them (owner keeps full control).
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });
    this.bucket = new Bucket(this, "Site", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3/",
      // Kept by `cdk destroy` like the upload's objects (BucketDeployment retainOnDelete): emptying it would need
      // one more custom-resource Lambda. Its content is rebuilt from the repository on every deploy.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.responseHeaders = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "engagement-insights dashboard: CSP, HSTS, no sniffing, no framing, no referrer",
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    this.distribution = new Distribution(this, "Distribution", {
      comment: "engagement-insights dashboard and API",
      defaultRootObject: "index.html",
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: "cloudfront/",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeaders,
        compress: true,
      },
      additionalBehaviors: {
        [API_PATH_PATTERN]: {
          origin: new RestApiOrigin(props.api),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Nothing cached: answers depend on the credentials. With caching disabled, AllViewerExceptHostHeader
          // forwards Authorization too (API Gateway needs its own Host).
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.responseHeaders,
          compress: true,
        },
      },
    });

    this.deployment = new BucketDeployment(this, "Upload", {
      sources: [Source.asset(props.webDist)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ["/index.html", "/config.json"],
      memoryLimit: 256,
    });
  }
}

/**
 * The cdk-nag findings the dashboard's resources accept, each on the narrowest construct, with its reason
 * (test/infra/nag.test.ts fails on any other). The upload's Lambda is CDK's own BucketDeployment handler, a
 * singleton whose role and runtime CDK chooses; it runs only during deployments.
 */
export function acknowledgeWebNagFindings(web: WebDashboard): void {
  const distribution = web.distribution.node.defaultChild;
  if (distribution) {
    Validations.of(distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason:
          "The dashboard is for the customers' teams wherever they are; access is controlled by API keys, not by " +
          "country. A geo restriction can be added per deployment if a customer needs one.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "No WAF web ACL here, as for the API stage (APIG3): the static files are public and every API route needs " +
          "a credential checked in constant time behind stage throttling; a WAF is an account-level choice and cost.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The distribution uses CloudFront's default *.cloudfront.net certificate, whose TLS policy AWS fixes (no " +
          "minimum can be set without a custom domain certificate); viewers are held to HTTPS only either way.",
      },
    );
  }
  const stack = Stack.of(web);
  const role = web.deployment.handlerRole;
  const siteArn = stack.getLogicalId(web.bucket.node.defaultChild as CfnBucket);
  const wildcards = [
    "Action::s3:GetBucket*",
    "Action::s3:GetObject*",
    "Action::s3:List*",
    "Action::s3:Abort*",
    "Action::s3:DeleteObject*",
    `Resource::<${siteArn}.Arn>/*`,
    `Resource::arn:<AWS::Partition>:s3:::cdk-${stack.synthesizer.bootstrapQualifier ?? "hnb659fds"}-assets-<AWS::AccountId>-<AWS::Region>/*`,
    "Resource::*",
  ];
  Validations.of(role).acknowledge(
    {
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason:
        "CDK's BucketDeployment handler role: the managed basic-execution policy only lets it write its own logs; " +
        "it runs only while a deployment copies the dashboard's files.",
    },
    ...wildcards.map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason:
        "CDK's BucketDeployment grants: read the dashboard's asset zip from the bootstrap bucket, replace every " +
        "object of the site bucket, and invalidate the distribution (CreateInvalidation has no resource scoping).",
    })),
  );
  const handler = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
  // CDK's Function, with the same redundant DependsOn on its role as the service's (cfnLintSuppressions.ts).
  if (handler instanceof LambdaFunction) suppressCfnLintFindings([handler]);
  const handlerFunction = handler?.node.defaultChild;
  if (handlerFunction) {
    Validations.of(handlerFunction).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "CDK's BucketDeployment handler: its runtime is chosen by the aws-cdk-lib release (it moves with upgrades) " +
        "and it runs only during deployments.",
    });
  }
}
