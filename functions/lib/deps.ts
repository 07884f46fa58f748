import { createCallScheduler, type CallScheduler } from '../../shared/call-scheduler';
import { CallStore, callStoreSettings, createDynamoClient } from '../../shared/call-store';
import { createCallCompleter, type CallCompleter } from '../../shared/completion';
import { ConcurrencyLimiter } from '../../shared/concurrency';
import { parseConfig, requireSecrets, type Config } from '../../shared/config';
import { readSecrets, SECRETS_MAX_AGE_SECONDS, type SecretVariable } from '../../shared/secrets';
import type { TwilioClient } from '../../shared/twilio';

/** What the handlers work with; built once per Lambda container (or per local stack). */
export interface Deps {
  config: Config;
  /** The raw environment the configuration came from (to see which secrets are referenced). */
  env: NodeJS.ProcessEnv;
  store: CallStore;
  completer: CallCompleter;
  twilio: () => TwilioClient;
  /** One-time schedules that place calls later (built on first use). */
  scheduler: () => CallScheduler;
  /** MAX_CONCURRENT_CALLS across the account. */
  limiter: ConcurrencyLimiter;
  now: () => Date;
}

/** Builds a Twilio REST client; passed in only by the handlers that call Twilio's API. */
export type TwilioFactory = (c: Config) => TwilioClient;

export interface DepsOptions extends Partial<Deps> {
  twilioFactory?: TwilioFactory;
}

export function buildDeps(c: Config, env: NodeJS.ProcessEnv, overrides: DepsOptions = {}): Deps {
  const now = overrides.now ?? (() => new Date());
  const db = createDynamoClient(c);
  const store = overrides.store ?? new CallStore(db, callStoreSettings(c), now);
  const limiter = overrides.limiter ?? new ConcurrencyLimiter(db, c.TABLE_NAME, c.MAX_CONCURRENT_CALLS);
  let scheduler: CallScheduler | undefined;
  const factory = overrides.twilioFactory;
  let twilio: TwilioClient | undefined;
  const twilioClient = () => {
    if (!factory) throw new Error('This function was built without the Twilio REST client');
    return (twilio ??= factory(c));
  };
  return {
    config: c,
    env,
    store,
    completer: overrides.completer ?? createCallCompleter(c, store, limiter, now),
    twilio: overrides.twilio ?? twilioClient,
    scheduler: overrides.scheduler ?? (() => (scheduler ??= createCallScheduler(c))),
    limiter,
    now,
  };
}

/**
 * The Lambda entry point for a handler factory: dependencies come from the environment and
 * the named secrets, which are read again once `secretsMaxAgeSeconds` have passed; when a
 * value has changed (a rotation), the handler is rebuilt with it.
 */
export function lambdaEntry<E, R>(
  create: (deps: Deps) => (event: E) => Promise<R>,
  secrets: readonly SecretVariable[],
  twilioFactory?: TwilioFactory,
  secretsMaxAgeSeconds = SECRETS_MAX_AGE_SECONDS,
): (event: E) => Promise<R> {
  let current: { secrets: string; handle: (event: E) => Promise<R> } | undefined;
  return async (event) => {
    const values = await readSecrets(secrets, process.env, secretsMaxAgeSeconds);
    const key = JSON.stringify(values);
    if (current?.secrets !== key) {
      const env = { ...process.env, ...values };
      const c = parseConfig(env);
      requireSecrets(c, secrets);
      current = { secrets: key, handle: create(buildDeps(c, env, { twilioFactory })) };
    }
    return current.handle(event);
  };
}
