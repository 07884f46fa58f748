import { Aws, Duration, Fn } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES, FUNCTION_NAMES, type FunctionName } from '../../functions/routes';
import type { ApiAuthMode } from '../settings';
import { accessLogFormat } from './api/access-log';
import { buildApiFunction, type ApiResources } from './api/api-function';
import { addApiRoutes } from './api/api-routes';
import { FUNCTION_SPECS } from './api/function-specs';


export interface CallApiProps extends ApiResources {
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
        format: accessLogFormat(),
      },
    });

    const context = { ...props, auth, baseUrl: this.baseUrl, logRetention };
    const functions = {} as Record<FunctionName, NodejsFunction>;
    const logGroups = {} as Record<FunctionName, logs.LogGroup>;
    for (const name of FUNCTION_NAMES) {
      ({ fn: functions[name], logGroup: logGroups[name] } = buildApiFunction(this, name, FUNCTION_SPECS[name], context));
    }
    this.functions = functions;
    this.logGroups = logGroups;

    // wire
    addApiRoutes({
      httpApi: this.httpApi,
      stage: this.stage,
      functions,
      auth,
      twilioThrottle: props.twilioThrottle ?? { rateLimit: 200, burstLimit: 400 },
    });

    // wire: the sweeper's schedule (a missed run is harmless: the next minute sweeps again)
    this.sweeperSchedule = new events.Rule(this, 'SweeperSchedule', {
      description: 'Runs the Caller Engine sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(functions.sweeper, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }

  /** The functions behind the HTTP API (not the scheduled ones). */
  public get apiFunctions(): NodejsFunction[] {
    return [...new Set(API_ROUTES.map((route) => route.handler))].map((handler) => this.functions[handler]);
  }
}
