import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Secure defaults, kept apart from the constructs that use them (the pattern of
 * aws-solutions-constructs' `core/lib/*-defaults.ts`): a construct spreads one of
 * these and adds only what is specific to it, so the security posture is read and
 * changed in one place.
 */

/** The DynamoDB table: on-demand, encrypted, point-in-time recovery, never deleted with the stack. */
export function tableDefaults(): Omit<dynamodb.TableProps, 'partitionKey'> {
  return {
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

/** SQS queues: SSE with SQS-owned keys, TLS-only access policy, 14 days to look at a failure. */
export function queueDefaults(): sqs.QueueProps {
  return {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  };
}

/** S3 buckets for access logs: private, TLS-only, S3-managed keys (what ALB log delivery supports). */
export function logBucketDefaults(): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    // CloudFront standard logging writes with ACLs, so the bucket owner must be able to take ownership.
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

/**
 * Prepended to every ESM bundle so CommonJS dependencies bundled into it (twilio, the
 * AWS SDK's transitive deps) can still call `require` for Node built-ins.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __ceCreateRequire } from 'node:module'; const require = __ceCreateRequire(import.meta.url);";

/** esbuild settings shared by every Lambda bundle. */
export function bundlingDefaults(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    platform: 'node',
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    banner: ESM_REQUIRE_BANNER,
    // Bundle the AWS SDK too: the pinned versions of package-lock.json are what runs, not
    // whatever the managed runtime ships with at the moment.
    externalModules: [],
    forceDockerBundling: false,
    logLevel: LogLevel.WARNING,
  };
}

/** Every Lambda function: Node.js 22 on Graviton, short timeout, source maps on. */
export function functionDefaults(): Pick<
  lambda.FunctionProps,
  'runtime' | 'architecture' | 'memorySize' | 'timeout' | 'description'
> {
  return {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    timeout: Duration.seconds(10),
  };
}

/** Environment every function gets on top of the application's settings. */
export const FUNCTION_RUNTIME_ENVIRONMENT = {
  NODE_OPTIONS: '--enable-source-maps',
} as const;
