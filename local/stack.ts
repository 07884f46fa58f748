import { randomBytes } from 'node:crypto';
import { createCallStatusHandler } from '../functions/call-status';
import { createGetCallHandler } from '../functions/get-call';
import { handler as healthHandler } from '../functions/health';
import { createInitiateHandler } from '../functions/initiate';
import { buildDeps, type Deps } from '../functions/lib/deps';
import type { HttpHandler } from '../functions/lib/http';
import { API_ROUTES, type HandlerName } from '../functions/routes';
import { createSweeper } from '../functions/sweeper';
import { createTwimlHandler } from '../functions/twiml';
import { parseConfig, type Config } from '../shared/config';
import { startLocalDynamo, type LocalDynamo } from './dynamo';
import { startEventSink, type EventSink } from './event-sink';
import { conversationScript, startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from './fake-openai/server';
import { serveLambdaRoutes, type ExtraRoute, type LambdaHttpServer } from './lambda-http';
import { DEFAULT_CALLEE } from './scenarios';
import { startTwilioSimulator, type TwilioSimulator } from './twilio-sim';
import type { BridgeDeps } from '../media-service/call-bridge';
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
  /** Script and faults for the fake model server. */
  fakeModel?: Partial<Omit<FakeOpenAIOptions, 'port' | 'apiKey'>>;
  /** Serves requests outside the API routes on the API port (the dev console). */
  extraRoute?: (stack: LocalStack) => ExtraRoute;
  onEvent?: Parameters<typeof startEventSink>[0]['log'];
  /** Media service settings for tests (e.g. a shorter start timeout). */
  media?: Pick<BridgeDeps, 'onTurn' | 'startTimeoutMs'>;
}

export interface LocalStack {
  config: Config;
  deps: Deps;
  apiUrl: string;
  mediaUrl: string;
  apiKey: string;
  dynamo: LocalDynamo;
  events: EventSink;
  /** The simulator, unless real Twilio credentials and a public BASE_URL are configured. */
  twilio?: TwilioSimulator;
  /** The fake model server, unless a real OPENAI_API_KEY is configured. */
  model?: FakeOpenAI;
  media: MediaService;
  sweep: ReturnType<typeof createSweeper>;
  close(): Promise<void>;
}

/** True when the environment names real Twilio credentials and a public URL Twilio can reach. */
export function usesRealTwilio(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.BASE_URL?.startsWith('https://'));
}

/**
 * The whole product on loopback: dynalite, the event sink, the Twilio simulator, the fake
 * model, the Lambda handlers behind a local API Gateway adapter, and the media service.
 * Each piece that has real credentials in the environment is replaced by the real service.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const base = { ...(options.env ?? process.env), ...options.overrides };
  const tableName = base.TABLE_NAME ?? 'caller-engine-calls';
  const realTwilio = usesRealTwilio(base);
  const realModel = Boolean(base.OPENAI_API_KEY);

  const dynamo = await startLocalDynamo(tableName);
  const events = await startEventSink({ file: base.EVENTS_FILE ?? '.local/events.jsonl', log: options.onEvent });
  const accountSid = realTwilio ? base.TWILIO_ACCOUNT_SID! : `AC${randomBytes(16).toString('hex')}`;
  const authToken = realTwilio ? base.TWILIO_AUTH_TOKEN! : randomBytes(16).toString('hex');
  const twilio = realTwilio ? undefined : await startTwilioSimulator({ accountSid, authToken });
  twilio?.setBehaviour('*', { kind: 'answer', callee: DEFAULT_CALLEE });
  const modelKey = realModel ? base.OPENAI_API_KEY! : `sk-local-${randomBytes(8).toString('hex')}`;
  const model = realModel ? undefined : await startFakeOpenAI({ agent: conversationScript, ...options.fakeModel, apiKey: modelKey });
  const api = await serveLambdaRoutes(options.port ?? Number(base.PORT ?? 3000));
  const apiKey = base.API_KEY ?? randomBytes(18).toString('base64url');

  const env: NodeJS.ProcessEnv = {
    ...base,
    STAGE: 'local',
    API_KEY: apiKey,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    EVENTBRIDGE_ENDPOINT: events.endpoint,
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_PHONE_NUMBER: base.TWILIO_PHONE_NUMBER ?? '+15550001111',
    ...(twilio ? { TWILIO_API_URL: twilio.apiUrl } : {}),
    OPENAI_API_KEY: modelKey,
    ...(model ? { OPENAI_BASE_URL: model.baseUrl } : {}),
    BASE_URL: realTwilio ? base.BASE_URL : api.url,
  };
  const media = await startMediaService({ port: options.mediaPort ?? Number(base.MEDIA_PORT ?? 5050) });
  env.MEDIA_URL = realTwilio ? base.MEDIA_URL : media.url;
  const config = parseConfig(env);
  const deps = buildDeps(config, env);
  media.attach(config, options.media);

  const handlers: Record<HandlerName, HttpHandler> = {
    initiate: createInitiateHandler(deps),
    twiml: createTwimlHandler(deps),
    'call-status': createCallStatusHandler(deps),
    'get-call': createGetCallHandler(deps),
    health: healthHandler,
  };
  const stack: LocalStack = {
    config,
    deps,
    apiUrl: api.url,
    mediaUrl: media.url,
    apiKey,
    dynamo,
    events,
    twilio,
    model,
    media,
    sweep: createSweeper(deps),
    close: async () => {
      await media.close();
      await api.close();
      await twilio?.close();
      await model?.close();
      await events.close();
      await dynamo.close();
    },
  };
  api.setRoutes(
    API_ROUTES.map((route) => ({ method: route.method, path: route.path, handler: handlers[route.handler] })),
    options.extraRoute?.(stack),
  );
  return stack;
}

export type { LambdaHttpServer };
