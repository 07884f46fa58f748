import { z } from 'zod';
import { e164Schema as e164 } from '../shared/phone';
import { REALTIME_PROVIDERS, realtimeProviderSchema, type RealtimeProvider } from '../shared/providers';
import { SECRET_VARIABLES, type SecretVariable } from '../shared/secrets';

/**
 * Every deploy-time option of the Caller Engine CDK app, read from CDK context
 * (`cdk.json` or `-c key=value`) and validated once, so a bad value is reported by
 * name at synth time instead of surfacing as a broken deployment.
 *
 * Context values given on the command line are always strings; values in `cdk.json`
 * may be typed. The schema accepts both.
 */

/** Secret variables of `shared/config.ts`: they never appear as plain values in the template. */
export const SECRET_NAMES = SECRET_VARIABLES;
export type SecretName = SecretVariable;

export const API_AUTH_MODES = ['api-key', 'iam'] as const;
export type ApiAuthMode = (typeof API_AUTH_MODES)[number];

export const TABLE_ENCRYPTION_MODES = ['aws-managed', 'customer-managed'] as const;
export type TableEncryptionMode = (typeof TABLE_ENCRYPTION_MODES)[number];

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Variables the stack derives itself; `environment` may not override them. */
const STACK_MANAGED_VARIABLES = [
  'STAGE',
  'BASE_URL',
  'MEDIA_URL',
  'TABLE_NAME',
  'EVENT_BUS_NAME',
  'MEDIA_PORT',
  'DRAIN_TIMEOUT_SECONDS',
  'MAX_CALLS_PER_TASK',
  'API_AUTH',
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_METRICS_NAMESPACE',
  'ALLOWED_DESTINATION_PREFIXES',
  'REALTIME_PROVIDER',
  'REALTIME_MODEL',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_PHONE_NUMBER',
];

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = z.preprocess(blankToUndefined, z.string().trim().min(1).optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
/** A JSON object given either as an object (cdk.json) or as a JSON string (`-c key='{"A":"b"}'`). */
const stringRecord = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v; // reported by the record schema below
  }
}, z.record(z.string(), z.string()).default({}));

export const settingsSchema = z
  .object({
    /** Deployment stage; part of the stack name and passed to every process as STAGE. */
    stage: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be lower-case letters, digits and hyphens (max 20)')
        .default('dev'),
    ),
    /** CloudFormation stack name. @default `CallerEngine-<stage>` */
    stackName: optionalText,
    /** Deploy-time region; pins the stack's environment (required for ALB access logs). @default CDK_DEFAULT_REGION */
    region: optionalText,
    /** Deploy-time account. @default CDK_DEFAULT_ACCOUNT */
    account: optionalText,

    /** `api-key`: the functions check an API key from Secrets Manager; `iam`: routes use SigV4 (HttpIamAuthorizer). */
    apiAuth: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toLowerCase().replace(/^apikey$/, 'api-key') || undefined : v),
      z.enum(API_AUTH_MODES).default('api-key'),
    ),
    /** Public base URL of the call API when a custom domain fronts it. @default the HTTP API's execute-api URL */
    baseUrl: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/ }).optional()),
    /** Stage throttling: steady-state requests per second. */
    apiThrottleRateLimit: int(50, 1, 10_000),
    /** Stage throttling: burst. */
    apiThrottleBurstLimit: int(100, 1, 5_000),

    /** Media host name served by an internet-facing ALB (with `certificateArn`); CloudFront is used when absent. */
    domainName: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i, 'must be a DNS host name')
        .optional(),
    ),
    /** ACM certificate (same region as the stack) covering `domainName`. */
    certificateArn: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate ARN')
        .optional(),
    ),

    /** NAT gateways for the media tasks' egress: 2 (one per AZ), 1 (shared), 0 (tasks in public subnets). */
    natGateways: int(2, 0, 2),
    /** Fargate task CPU units (ARM64). */
    mediaCpu: z.preprocess(
      blankToUndefined,
      z.coerce
        .number()
        .int()
        .refine((c) => [256, 512, 1024, 2048, 4096, 8192, 16384].includes(c), { message: 'must be a Fargate CPU size' })
        .default(1024),
    ),
    /** Fargate task memory (MiB); must be valid for `mediaCpu`. */
    mediaMemoryMiB: int(2048, 512, 30_720),
    /** Autoscaling floor (and desired count at first deploy); 2 keeps one task per AZ. */
    mediaMinTasks: int(2, 1, 100),
    /** Autoscaling ceiling. */
    mediaMaxTasks: int(10, 1, 200),
    /** Scale out when the average ActiveCalls per task exceeds this; keep it well below maxCallsPerTask. */
    callsPerTask: int(60, 1, 10_000),
    /** MAX_CALLS_PER_TASK: live calls one task carries before it refuses new streams with 503. */
    maxCallsPerTask: int(100, 1, 10_000),
    /** Scale out when the average CPU of the service exceeds this percentage. */
    cpuTargetPercent: int(60, 10, 95),
    /** Seconds a draining media task waits for live calls; must stay below the 120 s stop timeout. */
    drainTimeoutSeconds: int(110, 0, 115),

    /** Retention of every log group the stack creates. */
    logRetentionDays: z.preprocess(
      blankToUndefined,
      z.coerce
        .number()
        .int()
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
          message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
        })
        .default(30),
    ),
    /** DynamoDB encryption: AWS managed key, or a customer managed KMS key (with rotation) created by the stack. */
    tableEncryption: z.preprocess(blankToUndefined, z.enum(TABLE_ENCRYPTION_MODES).default('aws-managed')),
    /** Days a call recording stays in the recordings bucket before S3 deletes it. */
    recordingRetentionDays: int(90, 1, 3650),
    /** Delete Twilio's copy of a recording once it is in the bucket. */
    deleteTwilioRecordings: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('true')),
    /** Days the event archive keeps `Call Completed` events (0 = forever). */
    eventArchiveRetentionDays: int(90, 0, 36_500),
    /** When set, `Call Completed` events are also POSTed to this HTTPS URL (EventBridge API destination). */
    completionWebhookUrl: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/ }).optional()),
    /** Header carrying the generated webhook credential (stored in Secrets Manager). */
    completionWebhookAuthHeader: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9-]+$/).default('x-api-key')),
    /** Where alarm notifications are e-mailed (SNS subscription, confirm it once). */
    alarmEmail: z.preprocess(blankToUndefined, z.email().optional()),

    /** Comma list of E.164 prefixes callers may dial (toll-fraud guard). */
    allowedDestinationPrefixes: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^\+\d{0,15}(,\s*\+\d{0,15})*$/, 'must be a comma list of E.164 prefixes such as +1,+44')
        .default('+1'),
    ),
    /** TWILIO_ACCOUNT_SID (not secret; the auth token is). */
    twilioAccountSid: z.preprocess(
      blankToUndefined,
      z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC + 32 hex digits').optional(),
    ),
    /** TWILIO_PHONE_NUMBER: the caller ID of outbound calls. */
    twilioPhoneNumber: z.preprocess(blankToUndefined, e164.optional()),
    /** Default REALTIME_PROVIDER of the media service. */
    realtimeProvider: z.preprocess(blankToUndefined, realtimeProviderSchema.default('openai')),
    /** REALTIME_MODEL (the provider's default when absent). */
    realtimeModel: optionalText,
    /** POWERTOOLS_LOG_LEVEL of every process. */
    logLevel: z.preprocess(blankToUndefined, z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO')),
    /**
     * Providers calls may choose besides `realtimeProvider` (comma list); the media task gets the IAM each
     * one needs, e.g. Bedrock streaming for `amazon_nova_sonic`.
     */
    extraProviders: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((p) => p.trim()).filter(Boolean) : v),
      z.array(realtimeProviderSchema, { error: `must be a comma list of ${REALTIME_PROVIDERS.join(', ')}` }).default([]),
    ),

    /** Existing secrets to use instead of creating them: `{ "TWILIO_AUTH_TOKEN": "arn:aws:secretsmanager:…" }` (complete ARNs). */
    secretArns: stringRecord,
    /** Extra non-secret variables for the functions and the media task (e.g. SYSTEM_PROMPT, ENABLE_CALENDAR_TOOLS). */
    environment: stringRecord,
  })
  .superRefine((s, ctx) => {
    if ((s.domainName === undefined) !== (s.certificateArn === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.domainName === undefined ? 'domainName' : 'certificateArn'],
        message: 'domainName and certificateArn must be given together',
      });
    }
    if (s.callsPerTask >= s.maxCallsPerTask) {
      ctx.addIssue({ code: 'custom', path: ['callsPerTask'], message: 'must be below maxCallsPerTask (scale out before a task is full)' });
    }
    if (s.mediaMinTasks > s.mediaMaxTasks) {
      ctx.addIssue({ code: 'custom', path: ['mediaMaxTasks'], message: 'must be at least mediaMinTasks' });
    }
    for (const [name, arn] of Object.entries(s.secretArns)) {
      if (!(SECRET_NAMES as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['secretArns', name], message: `is not one of ${SECRET_NAMES.join(', ')}` });
      } else if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(arn)) {
        ctx.addIssue({
          code: 'custom',
          path: ['secretArns', name],
          message: 'must be a complete secret ARN (ending in the 6-character suffix)',
        });
      }
    }
    for (const name of Object.keys(s.environment)) {
      if ((SECRET_NAMES as readonly string[]).includes(name) || /_SECRET_ARN$/.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environment', name],
          message: 'is a secret: store it in Secrets Manager (secretArns), never in plain environment',
        });
      } else if (STACK_MANAGED_VARIABLES.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['environment', name], message: 'is set by the stack; use its own option' });
      } else if (!/^[A-Z][A-Z0-9_]*$/.test(name) || name.startsWith('AWS_') || name.startsWith('ECS_')) {
        ctx.addIssue({
          code: 'custom',
          path: ['environment', name],
          message: 'must be an upper-case variable name outside the reserved AWS_/ECS_ prefixes',
        });
      }
    }
  });

export type CallerEngineSettings = z.infer<typeof settingsSchema>;

/** Every provider the deployment's calls may use. */
export function deployedProviders(s: Pick<CallerEngineSettings, 'realtimeProvider' | 'extraProviders'>): RealtimeProvider[] {
  return [...new Set([s.realtimeProvider, ...s.extraProviders])];
}

/** Context keys the schema knows; used to read them from a construct tree. */
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof CallerEngineSettings)[];

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Validates raw context values; throws one SettingsError naming every bad option. */
export function parseSettings(raw: Record<string, unknown>): CallerEngineSettings {
  const result = settingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(context)'}: ${issue.message}`);
  throw new SettingsError(`Invalid CDK context for Caller Engine:\n  - ${problems.join('\n  - ')}`);
}

/** Reads every known setting from a construct's context (cdk.json + `-c`). */
export function settingsFromContext(tryGetContext: (key: string) => unknown): CallerEngineSettings {
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseSettings(raw);
}
