import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createCallStatusHandler } from '../functions/call-status';
import { createCancelCallHandler } from '../functions/cancel-call';
import { createDeliveryWorker } from '../functions/deliver';
import { createDispatcher } from '../functions/dispatch';
import { dispatchInputSchema } from '../shared/call-scheduler';
import { deliveryAttempts } from '../shared/deliveries';
import { createGetCallHandler } from '../functions/get-call';
import { createGetRecordingHandler } from '../functions/get-recording';
import { createRecordingStatusHandler, recordingServices } from '../functions/recording-status';
import { handler as healthHandler } from '../functions/health';
import { handler as openApiHandler } from '../functions/openapi';
import { createInitiateHandler } from '../functions/initiate';
import { buildDeps, type Deps } from '../functions/lib/deps';
import type { HttpHandler } from '../functions/lib/http';
import { formParams } from '../functions/lib/request';
import { API_ROUTES, type HandlerName } from '../functions/routes';
import { createSweeper } from '../functions/sweeper';
import { createTwimlHandler } from '../functions/twiml';
import { createTwimlFallbackHandler } from '../functions/twiml-fallback';
import type { ToolCallRecord, TranscriptTurn } from '../shared/call-record';
import { parseConfig, type Config } from '../shared/config';
import { createTwilioClient } from '../shared/twilio-client';
import { recordingArchive } from '../shared/recordings';
import { startLocalDynamo, type LocalDynamo } from './dynamo';
import { startLocalScheduler, type LocalScheduler } from './scheduler';
import { startLocalS3, type LocalS3 } from './s3';
import { startLocalQueue, type LocalQueue } from './queue';
import { startLocalStepFunctions, type LocalStepFunctions } from './step-functions';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './webhook-receiver';
import { startEventSink, type EventSink, type SunkEvent } from './event-sink';
import type { AgentScript } from './fake-openai/scripts';
import { startProviderFakes, type LocalFakeOptions, type LocalFakes } from './provider-fakes';
import { createFakeServiceAccount, startFakeGoogle, type FakeGoogle } from './fake-google/server';
import { scenarioAgent } from './scenario-scripts';
import { serveLambdaRoutes, type ExtraRoute, type LambdaHttpServer } from './lambda-http';
import { DEFAULT_CALLEE } from './scenarios';
import { startTwilioSimulator, type TwilioSimulator } from './twilio-sim';
import type { BridgeDeps } from '../media-service/call-bridge';
import { providerFactory } from '../media-service/providers';
import { startMediaService, type MediaService } from '../media-service/server';

export interface LocalStackOptions {
  /** API port; 0 picks a free one (tests). */
  port?: number;
  /** Media service port; 0 picks a free one. */
  mediaPort?: number;
  /** Environment the stack is configured from (defaults to process.env); the stack fills in its own endpoints. */
  env?: NodeJS.ProcessEnv;
  /** Extra settings that win over `env`. */
  overrides?: Record<string, string>;
  /** What every fake model says and calls, unless a provider's `fakes` entry names its own script. @default scenarioAgent */
  agent?: AgentScript;
  /** Scripts, faults and credential checks for the providers' fakes, by provider. */
  fakes?: LocalFakeOptions;
  /** Serves requests outside the API routes on the API port (the dev console). */
  extraRoute?: (stack: LocalStack) => ExtraRoute;
  onEvent?: Parameters<typeof startEventSink>[0]['log'];
  /** Use a media service running elsewhere (e.g. its own process in the benchmark) instead of starting one. */
  externalMediaUrl?: string;
  /**
   * How many times faster than real time the simulated callee and the fake models talk (tests whose
   * behaviour does not depend on wall time). The media service and the API keep wall time. @default 1
   */
  timeScale?: number;
  /** Media service settings for tests (e.g. a shorter start timeout). */
  media?: Partial<Pick<BridgeDeps, 'onTurn' | 'startTimeoutMs' | 'pingIntervalMs' | 'providerFactory'>>;
}

/** What happens on the stack, as it happens: any number of listeners (the demo, the dev console). */
export interface StackActivity {
  /** A signed Twilio status callback the API accepted (`initiated`, `ringing`, `in-progress`, an end). */
  status: [callbackId: string, status: string];
  turn: [callbackId: string, turn: TranscriptTurn];
  toolCall: [callbackId: string, toolCall: ToolCallRecord];
  event: [event: SunkEvent];
  webhook: [delivery: ReceivedWebhook];
}

export interface LocalStack {
  config: Config;
  /** The environment the stack's services are configured from (to start another process with). */
  env: NodeJS.ProcessEnv;
  deps: Deps;
  apiUrl: string;
  mediaUrl: string;
  apiKey: string;
  dynamo: LocalDynamo;
  /** The embedded S3 (recordings), unless RECORDING_BUCKET names a real bucket. */
  s3?: LocalS3;
  events: EventSink;
  /** EventBridge Scheduler's stand-in: scheduled calls wait here, then run the dispatch function. */
  scheduler: LocalScheduler;
  /** The delivery queue (SQS stand-in) feeding the delivery worker, with its dead letters. */
  deliveries: LocalQueue;
  /** Step Functions' task-token API stand-in: issues tokens and records their completions. */
  stepFunctions: LocalStepFunctions;
  /** An orchestrator's webhook endpoint that verifies each signature (a call's webhookUrl may point under its URL). */
  webhooks: WebhookReceiver;
  activity: EventEmitter<StackActivity>;
  /** The simulator, unless real Twilio credentials and a public BASE_URL are configured. */
  twilio?: TwilioSimulator;
  /** Each provider's fake, unless the environment configures the real provider (see local/provider-fakes.ts). */
  fakes: LocalFakes;
  /** The fake Google APIs (Calendar, Gmail), unless a real service account is configured. */
  google?: FakeGoogle;
  /** The in-process media service, unless `externalMediaUrl` was given. */
  media?: MediaService;
  sweep: ReturnType<typeof createSweeper>;
  close(): Promise<void>;
}

/** True when the environment names real Twilio credentials and a public URL Twilio can reach. */
export function usesRealTwilio(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.BASE_URL?.startsWith('https://'));
}

/** True when the environment names a real Google service account for the calendar and e-mail tools. */
export function usesRealGoogle(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.GOOGLE_CLIENT_EMAIL && env.GOOGLE_PRIVATE_KEY);
}

/** The mailbox the fake Google lets the fake service account impersonate. */
export const LOCAL_GOOGLE_USER = 'agent@northwind.example';

/**
 * The whole product on loopback: dynalite, the event sink, the Twilio simulator, the fake
 * model, the Lambda handlers behind a local API Gateway adapter, and the media service.
 * Each piece that has real credentials in the environment is replaced by the real service.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const base = { ...(options.env ?? process.env), ...options.overrides };
  const tableName = base.TABLE_NAME ?? 'caller-engine-calls';
  const realTwilio = usesRealTwilio(base);

  const dynamo = await startLocalDynamo(tableName);
  const scheduler = await startLocalScheduler();
  const s3 = base.RECORDING_BUCKET ? undefined : await startLocalS3('caller-engine-recordings');
  const deliveryRetryBase = Number(base.DELIVERY_RETRY_BASE_SECONDS ?? 30);
  const deliveries = await startLocalQueue({ name: 'caller-engine-deliveries', maxReceiveCount: deliveryAttempts(deliveryRetryBase) });
  const stepFunctions = await startLocalStepFunctions();
  const activity = new EventEmitter<StackActivity>();
  const events = await startEventSink({
    file: base.EVENTS_FILE ?? '.local/events.jsonl',
    log: (event) => {
      options.onEvent?.(event);
      activity.emit('event', event);
    },
  });
  const accountSid = realTwilio ? base.TWILIO_ACCOUNT_SID! : `AC${randomBytes(16).toString('hex')}`;
  const authToken = realTwilio ? base.TWILIO_AUTH_TOKEN! : randomBytes(16).toString('hex');
  const { timeScale } = options;
  const twilio = realTwilio ? undefined : await startTwilioSimulator({ accountSid, authToken, timeScale });
  twilio?.setBehaviour('*', { kind: 'answer', callee: DEFAULT_CALLEE });
  const serviceAccount = usesRealGoogle(base) ? undefined : createFakeServiceAccount();
  const google = serviceAccount ? await startFakeGoogle({ serviceAccount, delegatedUsers: [LOCAL_GOOGLE_USER] }) : undefined;
  const providers = await startProviderFakes(base, { agent: options.agent ?? scenarioAgent, timeScale }, options.fakes);
  const api = await serveLambdaRoutes(options.port ?? Number(base.PORT ?? 3000));
  const apiKey = base.API_KEY ?? randomBytes(18).toString('base64url');

  const env: NodeJS.ProcessEnv = {
    ...base,
    STAGE: 'local',
    API_KEY: apiKey,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    EVENTBRIDGE_ENDPOINT: events.endpoint,
    SCHEDULER_ENDPOINT: scheduler.endpoint,
    SQS_ENDPOINT: deliveries.endpoint,
    DELIVERY_QUEUE_URL: deliveries.url,
    SFN_ENDPOINT: stepFunctions.endpoint,
    DISPATCH_FUNCTION_ARN: 'arn:aws:lambda:local:000000000000:function:caller-engine-dispatch',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/caller-engine-scheduler',
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_PHONE_NUMBER: base.TWILIO_PHONE_NUMBER ?? '+15550001111',
    ...(s3 ? { S3_ENDPOINT: s3.endpoint, RECORDING_BUCKET: s3.bucket } : {}),
    WEBHOOK_SIGNING_SECRET: base.WEBHOOK_SIGNING_SECRET ?? `whsec_${randomBytes(24).toString('base64')}`,
    ...(twilio ? { TWILIO_API_URL: twilio.apiUrl } : {}),
    ...providers.env,
    ...(google && serviceAccount
      ? {
          GOOGLE_API_ROOT_URL: google.rootUrl,
          GOOGLE_CLIENT_EMAIL: serviceAccount.clientEmail,
          GOOGLE_PRIVATE_KEY: serviceAccount.privateKeyPem,
          GOOGLE_IMPERSONATED_USER: LOCAL_GOOGLE_USER,
          GOOGLE_CALENDAR_ID: 'primary',
        }
      : {}),
    BASE_URL: realTwilio ? base.BASE_URL : api.url,
  };
  const media = options.externalMediaUrl
    ? undefined
    : await startMediaService({ port: options.mediaPort ?? Number(base.MEDIA_PORT ?? 5050) });
  env.MEDIA_URL = realTwilio ? base.MEDIA_URL : (options.externalMediaUrl ?? media!.url);
  const config = parseConfig(env);
  const webhooks = await startWebhookReceiver({ secret: config.WEBHOOK_SIGNING_SECRET!, log: (delivery) => activity.emit('webhook', delivery) });
  const deps = buildDeps(config, env, { twilioFactory: createTwilioClient });
  media?.attach(config, {
    providerFactory,
    ...options.media,
    onToolCall: (callbackId, toolCall) => activity.emit('toolCall', callbackId, toolCall),
    onTurn: (callbackId, turn) => {
      options.media?.onTurn?.(callbackId, turn);
      activity.emit('turn', callbackId, turn);
    },
  });

  const handlers: Record<HandlerName, HttpHandler> = {
    initiate: createInitiateHandler(deps),
    twiml: createTwimlHandler(deps),
    'twiml-fallback': createTwimlFallbackHandler(deps),
    'call-status': reportingStatus(createCallStatusHandler(deps), (callbackId, status) => activity.emit('status', callbackId, status)),
    'get-call': createGetCallHandler(deps),
    'cancel-call': createCancelCallHandler(deps),
    'get-recording': createGetRecordingHandler(deps, recordingArchive(config)),
    'recording-status': createRecordingStatusHandler(deps, recordingServices(deps)),
    health: healthHandler,
    openapi: openApiHandler,
  };
  deliveries.setConsumer(createDeliveryWorker(deps));
  const dispatch = createDispatcher(deps);
  scheduler.setTarget((input) => dispatch(dispatchInputSchema.parse(input)));
  const stack: LocalStack = {
    config,
    env,
    deps,
    apiUrl: api.url,
    mediaUrl: config.MEDIA_URL,
    apiKey,
    dynamo,
    s3,
    events,
    scheduler,
    deliveries,
    stepFunctions,
    webhooks,
    activity,
    twilio,
    fakes: providers.fakes,
    google,
    media,
    sweep: createSweeper(deps),
    close: async () => {
      await media?.close();
      await api.close();
      await twilio?.close();
      for (const fake of Object.values(providers.fakes)) await fake.close();
      await google?.close();
      await scheduler.close();
      await deliveries.close();
      await stepFunctions.close();
      await webhooks.close();
      await events.close();
      await dynamo.close();
      await s3?.close();
    },
  };
  api.setRoutes(
    API_ROUTES.map((route) => ({ method: route.method, path: route.path, handler: handlers[route.handler] })),
    options.extraRoute?.(stack),
  );
  return stack;
}

export type { LambdaHttpServer };

/** The status handler, telling `report` of each callback it accepted (for `npm run dev`'s call lines). */
function reportingStatus(handler: HttpHandler, report: (callbackId: string, status: string) => void): HttpHandler {
  return async (event) => {
    const result = await handler(event);
    const status = formParams(event).CallStatus;
    const callbackId = event.queryStringParameters?.callbackId;
    if ((result.statusCode ?? 200) < 300 && status && callbackId) report(callbackId, status);
    return result;
  };
}
