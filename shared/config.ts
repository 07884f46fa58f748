import { z } from 'zod';
import { LONGEST_CALL_SECONDS } from './call-limits';
import { bool, httpUrl, int, optionalString, wsUrl } from './env-values';
import { e164Schema as e164 } from './phone';
import { parseWindowSetting } from './call-window';
import { providerSettingsShape, realtimeProviderSchema } from './providers';
import type { SecretVariable } from './secrets';

/**
 * The whole environment of Caller Engine in one schema. Every process (the Lambda
 * handlers, the media service, the local stack) reads its settings through `config()`,
 * so a bad or missing variable is reported once, by name, at start-up.
 */

export const configSchema = z
  .object({
    /** `local` runs the embedded stack (which sets it); any other stage, or none, is a deployment with the strict rules. */
    STAGE: z.string().min(1).optional(),
    /** Public HTTPS base URL of the call API; Twilio webhooks and their signatures use it. */
    BASE_URL: httpUrl.default('http://127.0.0.1:3000'),
    /** Public wss:// base URL of the media service, written into the TwiML <Stream>. */
    MEDIA_URL: wsUrl.default('ws://127.0.0.1:5050'),

    API_KEY: optionalString,
    /** `api-key`: the x-api-key header; `iam`: API Gateway has already checked the caller's SigV4 signature. */
    API_AUTH: z.enum(['api-key', 'iam']).default('api-key'),

    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC + 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_PHONE_NUMBER: e164.optional(),
    /** Further caller IDs a request's `from` may name, comma-separated E.164; TWILIO_PHONE_NUMBER is always allowed. */
    ALLOWED_CALLER_IDS: optionalString.transform((v) => v?.split(',').map((n) => n.trim()).filter(Boolean)),
    /** Where the Twilio REST client sends requests; set to the simulator in the embedded stack. */
    TWILIO_API_URL: httpUrl.optional(),
    TWILIO_TIMEOUT_MS: int(10_000, 100, 60_000),

    /** Comma list of E.164 prefixes callers may dial, e.g. `+1,+44`. Required outside `local`. */
    ALLOWED_DESTINATION_PREFIXES: optionalString.transform((v) =>
      v === undefined
        ? undefined
        : v
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
    ),

    TABLE_NAME: z.string().min(3).default('caller-engine-calls'),
    DYNAMODB_ENDPOINT: httpUrl.optional(),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    CALL_RETENTION_DAYS: int(30, 1, 3650),
    STREAM_TOKEN_TTL_SECONDS: int(120, 10, 3600),

    EVENT_BUS_NAME: z.string().min(1).default('caller-engine'),
    EVENTBRIDGE_ENDPOINT: httpUrl.optional(),

    MAX_CALL_DURATION_SECONDS: int(900, 30, LONGEST_CALL_SECONDS),
    /** A call not completed this long after its last activity is completed by the sweeper. */
    SWEEP_AFTER_SECONDS: int(300, 30, 86_400),

    REALTIME_PROVIDER: realtimeProviderSchema.default('openai'),
    REALTIME_MODEL: optionalString,
    REALTIME_VOICE: optionalString,
    ...providerSettingsShape,

    SYSTEM_PROMPT: optionalString,
    SUMMARY_ENABLED: bool(true),
    SUMMARY_MODEL: z.string().min(1).default('gpt-4.1-mini'),

    ENABLE_CALENDAR_TOOLS: bool(false),
    ENABLE_EMAIL_TOOLS: bool(false),
    GOOGLE_CLIENT_EMAIL: optionalString,
    GOOGLE_PRIVATE_KEY: optionalString.transform((v) => v?.replace(/\\n/g, '\n')),
    GOOGLE_CALENDAR_ID: z.string().min(1).default('primary'),
    GOOGLE_IMPERSONATED_USER: optionalString,
    /** Comma list of domains send_email may write to besides the addresses a call's variables name (`.example.com` for subdomains). */
    EMAIL_ALLOWED_DOMAINS: optionalString.transform((v) => v?.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean)),
    GOOGLE_API_ROOT_URL: httpUrl.optional(),
    BUSINESS_TIMEZONE: z.string().min(1).default('America/New_York'),
    WORKDAY_START_HOUR: int(9, 0, 23),
    WORKDAY_END_HOUR: int(17, 1, 24),
    TRANSFER_NUMBER: e164.optional(),
    /** Comma list of hosts per-call HTTP tools may call (`api.example.com`, or `.example.com` for its subdomains). */
    TOOL_ALLOWED_HOSTS: optionalString.transform((v) => v?.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
    /** Standard Webhooks secret (`whsec_` + base64) that signs every request to the orchestrator. */
    WEBHOOK_SIGNING_SECRET: optionalString,

    /** The bucket recordings are copied into; `record: true` is refused without it outside the local stage. */
    RECORDING_BUCKET: optionalString,
    /** S3 endpoint override (the embedded stack's S3). */
    S3_ENDPOINT: httpUrl.optional(),
    RECORDING_RETENTION_DAYS: int(90, 1, 3650),
    /** Delete Twilio's copy once the recording is safely in the bucket. */
    DELETE_TWILIO_RECORDINGS: bool(true),

    /** Seconds of callee silence before the agent asks whether they are still there; per call: silenceTimeoutSeconds. */
    SILENCE_TIMEOUT_SECONDS: int(30, 5, 600),
    /** How often the media service looks for a cancel of its live calls, in seconds. */
    CANCEL_POLL_SECONDS: int(2, 1, 60),
    /** Calls placed at once across the account; initiate answers 429 over it. Empty or 0: no cap. */
    MAX_CONCURRENT_CALLS: int(0, 0, 1_000),
    /** Calling hours for calls that give no callWindow, in BUSINESS_TIMEZONE, e.g. `mon-fri 09:00-17:00`. Empty: none. */
    DEFAULT_CALL_WINDOW: optionalString,
    /** EventBridge Scheduler: endpoint override (the embedded stack runs its own), group, and what a schedule invokes. */
    SCHEDULER_ENDPOINT: httpUrl.optional(),
    SCHEDULE_GROUP_NAME: z.string().min(1).default('default'),
    DISPATCH_FUNCTION_ARN: optionalString,
    SCHEDULER_ROLE_ARN: optionalString,
    SCHEDULE_DEAD_LETTER_ARN: optionalString,
    /** Comma list of hosts a per-call webhookUrl may name (`.example.com` for any subdomain). Required for webhooks outside `local`. */
    WEBHOOK_ALLOWED_HOSTS: optionalString.transform((v) =>
      v === undefined ? undefined : v.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    ),
    /** The queue completion deliveries (webhooks, task tokens) wait in, and its endpoint override. */
    DELIVERY_QUEUE_URL: optionalString,
    SQS_ENDPOINT: httpUrl.optional(),
    /** First retry delay of a failed delivery, doubling up to an hour; deliveries are retried for 24 hours. */
    DELIVERY_RETRY_BASE_SECONDS: int(30, 1, 3600),
    /** Step Functions endpoint override (the embedded stack runs a stand-in). */
    SFN_ENDPOINT: httpUrl.optional(),

    PORT: int(3000, 0, 65_535),
    MEDIA_PORT: int(5050, 0, 65_535),
    /** How long a draining media service waits for live calls before it exits. */
    DRAIN_TIMEOUT_SECONDS: int(110, 0, 3600),
    /**
     * Live calls one media process carries; further streams get 503 (Twilio then runs the
     * TwiML after <Connect>). Sized from `npm run bench`: ~100 calls per process keep event-loop
     * lag p99 within 20 ms (docs/benchmarks.md).
     */
    MAX_CALLS_PER_TASK: int(100, 1, 10_000),
    EVENTS_FILE: z.string().min(1).default('.local/events.jsonl'),
  })
  .superRefine((c, ctx) => {
    if (!isLocal(c) && !c.ALLOWED_DESTINATION_PREFIXES?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALLOWED_DESTINATION_PREFIXES'],
        message: 'is required outside the local stage (toll-fraud guard)',
      });
    }
    for (const prefix of c.ALLOWED_DESTINATION_PREFIXES ?? []) {
      if (!/^\+[1-9]\d{0,14}$/.test(prefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ALLOWED_DESTINATION_PREFIXES'],
          message: `"${prefix}" is not an E.164 prefix such as +1 or +44`,
        });
      }
    }
    for (const callerId of c.ALLOWED_CALLER_IDS ?? []) {
      if (!e164.safeParse(callerId).success) {
        ctx.addIssue({ code: 'custom', path: ['ALLOWED_CALLER_IDS'], message: `"${callerId}" is not an E.164 number` });
      }
    }
    if (c.DEFAULT_CALL_WINDOW !== undefined) {
      try {
        parseWindowSetting(c.DEFAULT_CALL_WINDOW, c.BUSINESS_TIMEZONE);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['DEFAULT_CALL_WINDOW'], message: (error as Error).message });
      }
    }
    if (c.WORKDAY_END_HOUR <= c.WORKDAY_START_HOUR) {
      ctx.addIssue({ code: 'custom', path: ['WORKDAY_END_HOUR'], message: 'must be after WORKDAY_START_HOUR' });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** The embedded stack; everything else is a deployment. */
export function isLocal(c: Pick<Config, 'STAGE'>): boolean {
  return c.STAGE === 'local';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses an environment; throws one ConfigError naming every bad or missing variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // `NAME=` in a .env file means "not set", as it does in .env.example.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = configSchema.safeParse(set);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'} ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
}

let cached: Config | undefined;

/** The process configuration, parsed from `process.env` on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/**
 * Refuses to start a deployed process without the secrets it authenticates with: with no
 * TWILIO_AUTH_TOKEN every Twilio signature check fails, with no API_KEY every API call does.
 * `names` are the secrets the process reads (API_KEY only counts under `API_AUTH=api-key`).
 */
export function requireSecrets(c: Config, names: readonly SecretVariable[]): void {
  if (isLocal(c)) return;
  const needed = names.filter((name) => name !== 'API_KEY' || c.API_AUTH === 'api-key');
  const unset = missing(c, needed);
  if (unset.length) throw new ConfigError(`Invalid configuration:\n  - ${unset.map((name) => `${name} is required outside the local stage`).join('\n  - ')}`);
}

/** Names the variables a feature needs but does not have; empty when all are set. */
export function missing(c: Config, names: readonly (keyof Config)[]): string[] {
  return names.filter((name) => c[name] === undefined || c[name] === '');
}
