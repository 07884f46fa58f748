import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionName } from '../../../functions/routes';
import { bundlingDefaults, functionDefaults, FUNCTION_RUNTIME_ENVIRONMENT } from '../../defaults';
import { pascal } from '../../names';
import type { ApiAuthMode } from '../../settings';
import type { AppSecrets } from '../app-secrets';
import type { CallOrchestration } from '../call-orchestration';
import type { CallTable } from '../call-table';
import type { Recordings } from '../recordings';
import type { FunctionSpec } from './function-specs';

/** Deliveries the deliver function takes per invocation. */
const DELIVERY_BATCH_SIZE = 5;

/** What the call API's functions are built from and granted access to. */
export interface ApiResources {
  /** Absolute path of the repository root (handlers, package-lock.json). */
  readonly projectRoot: string;
  /** The call table; each function gets the access its spec lists. */
  readonly table: CallTable;
  /** The completion-event bus. */
  readonly eventBus: events.IEventBus;
  /** The deployment's secrets; each function is granted only the ones its spec lists. */
  readonly secrets: AppSecrets;
  /** The recordings bucket; only the functions whose spec lists it get access. */
  readonly recordings: Recordings;
  /** Call schedules and the delivery queue; the functions whose spec lists them get access. */
  readonly orchestration: CallOrchestration;
  /** Non-secret environment every function gets (STAGE, MEDIA_URL, TABLE_NAME, …). */
  readonly environment: Readonly<Record<string, string>>;
}

/** What every function of the call API is built against. */
export interface ApiFunctionContext extends ApiResources {
  readonly auth: ApiAuthMode;
  readonly baseUrl: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * One handler's function (`functions/<name>.ts`) with its own log group and its own role,
 * which gets no managed policy: it can write its log group and exactly what its spec lists.
 */
export function buildApiFunction(scope: Construct, name: FunctionName, spec: FunctionSpec, context: ApiFunctionContext) {
  const { orchestration } = context;
  const logGroup = new logs.LogGroup(scope, `${pascal(name)}Logs`, { retention: context.logRetention });
  const role = new iam.Role(scope, `${pascal(name)}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Caller Engine ${name} function`,
  });
  logGroup.grantWrite(role);

  const secretEnvironment: Record<string, string> = {};
  for (const secretName of spec.secrets.filter((s) => !(s === 'API_KEY' && context.auth === 'iam'))) {
    const secret = context.secrets.secret(secretName);
    secret.grantRead(role);
    secretEnvironment[`${secretName}_SECRET_ARN`] = secret.secretArn;
  }

  const fn = new NodejsFunction(scope, pascal(name), {
    ...functionDefaults(),
    // named up front so the function can schedule itself without a reference cycle
    ...(name === 'dispatch' ? { functionName: orchestration.dispatchFunctionName } : {}),
    description: spec.description,
    entry: path.join(context.projectRoot, 'functions', `${name}.ts`),
    handler: 'handler',
    projectRoot: context.projectRoot,
    depsLockFilePath: path.join(context.projectRoot, 'package-lock.json'),
    bundling: bundlingDefaults(),
    awsSdkConnectionReuse: false,
    timeout: spec.timeout,
    memorySize: spec.memorySize,
    role,
    logGroup,
    environment: {
      ...context.environment,
      ...FUNCTION_RUNTIME_ENVIRONMENT,
      BASE_URL: context.baseUrl,
      API_AUTH: context.auth,
      RECORDING_BUCKET: context.recordings.bucket.bucketName,
      ...(spec.schedules ? orchestration.schedulingEnvironment : {}),
      ...(spec.deliveries ? { DELIVERY_QUEUE_URL: orchestration.deliveryQueue.queueUrl } : {}),
      ...secretEnvironment,
    },
  });

  if (spec.table === 'readWrite') context.table.grantReadWrite(role);
  if (spec.table === 'read') context.table.grantRead(role);
  if (spec.putsEvents) context.eventBus.grantPutEventsTo(role);
  if (spec.recordings === 'write') context.recordings.grantWrite(role);
  if (spec.recordings === 'read') context.recordings.grantRead(role);
  if (spec.schedules) orchestration.grantScheduling(role);
  if (spec.deliveries === 'enqueue') orchestration.deliveryQueue.grantSendMessages(role);
  if (spec.deliveries === 'consume') {
    fn.addEventSource(new SqsEventSource(orchestration.deliveryQueue, { batchSize: DELIVERY_BATCH_SIZE, reportBatchItemFailures: true }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'states:SendTaskSuccess/SendTaskFailure take no resource: the task token names the execution, from any state machine the caller runs.',
    });
  }
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 is the runtime this project targets and tests against (the design pins nodejs22.x).',
  });
  return { fn, logGroup };
}
