import * as path from 'node:path';
import { Aws, Duration, Fn, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundlingDefaults, functionDefaults, FUNCTION_RUNTIME_ENVIRONMENT } from '../defaults';
import type { ApiAuthMode, SecretName } from '../settings';
import { API_ROUTES, type ApiRoute, type FunctionName, type HandlerName } from '../../functions/routes';
import type { AppSecrets } from './app-secrets';
import type { CallOrchestration } from './call-orchestration';
import type { CallTable } from './call-table';
import type { Recordings } from './recordings';

export type { FunctionName };

/** What one function may touch; the single place least privilege is decided. Its code is `functions/<name>.ts`. */
export interface FunctionSpec {
  readonly description: string;
  /** Secrets the handler reads (API_KEY is dropped when the API uses IAM auth). */
  readonly secrets: readonly SecretName[];
  /** Access to the call table. */
  readonly table: 'none' | 'read' | 'readWrite';
  /** Whether it puts `Call Completed` events on the bus. */
  readonly putsEvents: boolean;
  /** Access to the recordings bucket (objects under recordings/ only). */
  readonly recordings?: 'write' | 'read';
  /** Whether it creates and deletes call schedules (EventBridge Scheduler). */
  readonly schedules?: boolean;
  /**
   * The delivery queue: `enqueue` for the functions that complete calls (the completer queues
   * their webhook and task-token deliveries), `consume` for the deliver function.
   */
  readonly deliveries?: 'enqueue' | 'consume';
  readonly timeout: Duration;
  readonly memorySize: number;
}

export const FUNCTION_SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  initiate: {
    description: 'POST /call/initiate: validate, claim the callbackId, create the Twilio call',
    secrets: ['API_KEY', 'TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: false,
    schedules: true,
    timeout: Duration.seconds(20),
    memorySize: 512,
  },
  'cancel-call': {
    description: 'POST /calls/{callbackId}/cancel: cancel a scheduled, ringing or live call',
    secrets: ['API_KEY', 'TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    schedules: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(20),
    memorySize: 512,
  },
  'get-recording': {
    description: 'GET /calls/{callbackId}/recording: a short-lived link to the call recording',
    secrets: ['API_KEY'],
    table: 'read',
    putsEvents: false,
    recordings: 'read',
    timeout: Duration.seconds(10),
    memorySize: 512,
  },
  'recording-status': {
    description: 'POST /webhooks/recording-status: signed Twilio recording callbacks; copies the recording and announces it',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    recordings: 'write',
    // API Gateway's integration limit; the copy streams, so this covers hours of audio.
    timeout: Duration.seconds(29),
    memorySize: 1024,
  },
  twiml: {
    description: 'GET|POST /twiml/outbound: signed TwiML <Connect><Stream> with a one-time stream token',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: false,
    timeout: Duration.seconds(10),
    memorySize: 512,
  },
  'twiml-fallback': {
    description: "POST /twiml/fallback: the call's fallbackUrl, an apology in the call's language and a hang-up",
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'read',
    putsEvents: false,
    timeout: Duration.seconds(5),
    memorySize: 256,
  },
  'call-status': {
    description: 'POST /webhooks/call-status: signed Twilio status callbacks, completion claim and event',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(15),
    memorySize: 512,
  },
  'get-call': {
    description: 'GET /calls/{callbackId}: the whole call with its transcript',
    secrets: ['API_KEY'],
    table: 'read',
    putsEvents: false,
    timeout: Duration.seconds(10),
    memorySize: 512,
  },
  health: {
    description: 'GET /health',
    secrets: [],
    table: 'none',
    putsEvents: false,
    timeout: Duration.seconds(5),
    memorySize: 256,
  },
  openapi: {
    description: 'GET /openapi.json: the API contract generated from its schemas',
    secrets: [],
    table: 'none',
    putsEvents: false,
    timeout: Duration.seconds(10),
    memorySize: 256,
  },
  sweeper: {
    description: 'Every minute: completes calls whose media side died or whose final status never came',
    // asks Twilio for the status of calls whose final callback never arrived
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(55),
    memorySize: 512,
  },
  dispatch: {
    description: 'Invoked by a scheduled call\'s one-time schedule: places the call, or schedules it again for later',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    schedules: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(20),
    memorySize: 512,
  },
  deliver: {
    description: 'Fed by the delivery queue: signed webhooks and Step Functions task tokens of completed calls',
    secrets: ['WEBHOOK_SIGNING_SECRET'],
    table: 'read',
    putsEvents: false,
    deliveries: 'consume',
    // a batch of DELIVERY_BATCH_SIZE attempts, each bounded by the 15 s webhook timeout
    timeout: Duration.seconds(90),
    memorySize: 512,
  },
};

/** Deliveries the deliver function takes per invocation. */
const DELIVERY_BATCH_SIZE = 5;

export interface CallApiProps {
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
  /**
   * How POST /call/initiate and GET /calls/{callbackId} are protected.
   * @default 'api-key'
   */
  readonly auth?: ApiAuthMode;
  /**
   * Public base URL of the API (a custom domain); Twilio signatures are checked against it.
   * @default - the execute-api URL of the `$default` stage
   */
  readonly baseUrl?: string;
  /**
   * Stage throttling.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Throttling of each Twilio webhook route (TwiML, fallback, status and recording callbacks),
   * apart from the stage's, so traffic on the call API cannot starve a call's TwiML fetch.
   * @default { rateLimit: 200, burstLimit: 400 }
   */
  readonly twilioThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Retention of the functions' and the access log's log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Override a handler's spec (tests, or a handler that needs more memory).
   * @default FUNCTION_SPECS
   */
  readonly specs?: Partial<Record<FunctionName, Partial<FunctionSpec>>>;
}

/**
 * The call API: an API Gateway HTTP API (`$default` stage with access logs and
 * throttling) in front of one Node.js 22 / arm64 Lambda function per handler, plus the
 * sweeper run every minute. Each function has its own role with exactly the table,
 * bus and secret access its spec lists, and receives secrets as `NAME_SECRET_ARN`.
 */
export class CallApi extends Construct {
  /** The HTTP API. */
  public readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage. */
  public readonly stage: apigwv2.HttpStage;
  /** The functions, by handler. */
  public readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  /** The functions' log groups, by handler. */
  public readonly logGroups: Readonly<Record<FunctionName, logs.LogGroup>>;
  /** The stage's access log group. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The schedule that runs the sweeper. */
  public readonly sweeperSchedule: events.Rule;
  /** Public base URL of the API, without a trailing slash (what the functions get as BASE_URL). */
  public readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: CallApiProps) {
    super(scope, id);
    const auth = props.auth ?? 'api-key';
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const specs = Object.fromEntries(
      (Object.keys(FUNCTION_SPECS) as FunctionName[]).map((name) => [
        name,
        { ...FUNCTION_SPECS[name], ...props.specs?.[name] },
      ]),
    ) as Record<FunctionName, FunctionSpec>;

    // validate
    if (props.baseUrl !== undefined && !/^https:\/\/[^\s/]+$/.test(props.baseUrl.replace(/\/+$/, ''))) {
      throw new Error(`CallApi: baseUrl must be an https:// origin without a path, got "${props.baseUrl}"`);
    }
    for (const [key] of Object.entries(props.environment)) {
      if (/_SECRET_ARN$/.test(key) || key === 'BASE_URL') {
        throw new Error(`CallApi: environment must not set ${key}; the construct wires it`);
      }
    }

    // build: the API first, so the functions' BASE_URL can be derived from its id. The URL is
    // assembled from the API id, region and URL suffix (not from the stage or a route), so the
    // functions depend only on the AWS::ApiGatewayV2::Api resource and the routes depend on the
    // functions: no circular reference.
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Caller Engine call API',
      createDefaultStage: false,
    });
    this.baseUrl =
      props.baseUrl?.replace(/\/+$/, '') ??
      Fn.join('', ['https://', this.httpApi.apiId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX]);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttle?.rateLimit ?? 50,
        burstLimit: props.throttle?.burstLimit ?? 100,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    const functions = {} as Record<FunctionName, NodejsFunction>;
    const logGroups = {} as Record<FunctionName, logs.LogGroup>;
    for (const name of Object.keys(specs) as FunctionName[]) {
      const spec = specs[name];
      const secretNames = spec.secrets.filter((s) => !(s === 'API_KEY' && auth === 'iam'));

      const logGroup = new logs.LogGroup(this, `${pascal(name)}Logs`, { retention: logRetention });
      // An own role per function with no managed policy: it can write its own log group
      // and, below, exactly what its spec lists.
      const role = new iam.Role(this, `${pascal(name)}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Caller Engine ${name} function`,
      });
      logGroup.grantWrite(role);

      const secretEnvironment: Record<string, string> = {};
      for (const secretName of secretNames) {
        const secret = props.secrets.secret(secretName);
        secret.grantRead(role);
        secretEnvironment[`${secretName}_SECRET_ARN`] = secret.secretArn;
      }

      const orchestration = props.orchestration;
      const fn = new NodejsFunction(this, pascal(name), {
        ...functionDefaults(),
        // named up front so the function can schedule itself without a reference cycle
        ...(name === 'dispatch' ? { functionName: orchestration.dispatchFunctionName } : {}),
        description: spec.description,
        entry: path.join(props.projectRoot, 'functions', `${name}.ts`),
        handler: 'handler',
        projectRoot: props.projectRoot,
        depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
        bundling: bundlingDefaults(),
        awsSdkConnectionReuse: false,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        role,
        logGroup,
        environment: {
          ...props.environment,
          ...FUNCTION_RUNTIME_ENVIRONMENT,
          BASE_URL: this.baseUrl,
          API_AUTH: auth,
          RECORDING_BUCKET: props.recordings.bucket.bucketName,
          ...(spec.schedules ? orchestration.schedulingEnvironment : {}),
          ...(spec.deliveries ? { DELIVERY_QUEUE_URL: orchestration.deliveryQueue.queueUrl } : {}),
          ...secretEnvironment,
        },
      });

      // grant
      if (spec.table === 'readWrite') props.table.grantReadWrite(role);
      if (spec.table === 'read') props.table.grantRead(role);
      if (spec.putsEvents) props.eventBus.grantPutEventsTo(role);
      if (spec.recordings === 'write') props.recordings.grantWrite(role);
      if (spec.recordings === 'read') props.recordings.grantRead(role);
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

      functions[name] = fn;
      logGroups[name] = logGroup;
    }
    this.functions = functions;
    this.logGroups = logGroups;

    // wire: routes, one integration per handler
    const authorizer = auth === 'iam' ? new HttpIamAuthorizer() : undefined;
    const integrations = new Map<HandlerName, HttpLambdaIntegration>();
    const twilioRouteKeys: string[] = [];
    for (const { method, path: routePath, handler, auth: routeAuth } of API_ROUTES) {
      let integration = integrations.get(handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(handler)}Integration`, functions[handler]);
        integrations.set(handler, integration);
      }
      const routes = this.httpApi.addRoutes({
        path: routePath,
        methods: [apigwv2.HttpMethod[method]],
        integration,
        ...(routeAuth === 'api-key' && authorizer ? { authorizer } : {}),
      });
      if (routeAuth === 'twilio-signature') {
        twilioRouteKeys.push(`${method} ${routePath}`);
        for (const r of routes) this.stage.node.addDependency(r); // route settings need the route
      }
      if (routeAuth === 'api-key' && authorizer) continue;
      for (const r of routes) Validations.of(r).acknowledge({ id: 'AwsSolutions-APIG4', reason: UNAUTHORIZED_ROUTE_REASONS[routeAuth] });
    }

    const twilioThrottle = props.twilioThrottle ?? { rateLimit: 200, burstLimit: 400 };
    (this.stage.node.defaultChild as apigwv2.CfnStage).routeSettings = Object.fromEntries(
      twilioRouteKeys.map((key) => [key, { ThrottlingRateLimit: twilioThrottle.rateLimit, ThrottlingBurstLimit: twilioThrottle.burstLimit }]),
    );

    // wire: the sweeper's schedule (a missed run is harmless: the next minute sweeps again)
    this.sweeperSchedule = new events.Rule(this, 'SweeperSchedule', {
      description: 'Runs the Caller Engine sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(functions.sweeper, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    for (const name of Object.keys(functions) as FunctionName[]) {
      Validations.of(functions[name]).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is the runtime this project targets and tests against (the design pins nodejs22.x).',
      });
    }
  }

  /** The functions behind the HTTP API (not the scheduled ones). */
  public get apiFunctions(): NodejsFunction[] {
    return [...new Set(API_ROUTES.map((route) => route.handler))].map((handler) => this.functions[handler]);
  }
}

/** Why cdk-nag's "route without an authorizer" does not apply, by the route's `auth`. */
const UNAUTHORIZED_ROUTE_REASONS: Record<ApiRoute['auth'], string> = {
  'api-key':
    'Protected by an API key the function reads from Secrets Manager and compares in constant time (context apiAuth=iam switches to IAM auth).',
  'twilio-signature':
    'Twilio webhook: Twilio cannot sign with IAM; every request is verified by its X-Twilio-Signature (HMAC with the auth token).',
  none: 'Unauthenticated: the liveness probe and the public API contract (GET /openapi.json); neither returns call data.',
};

/** `call-status` → `CallStatus`: a function's name in construct ids. */
export function pascal(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_m, _dash, c: string) => c.toUpperCase());
}
