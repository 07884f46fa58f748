import { CallStore, callStoreSettings, createDynamoClient } from '../../shared/call-store';
import { CallCompleter } from '../../shared/completion';
import { config, type Config } from '../../shared/config';
import { createEventPublisher } from '../../shared/events';
import { logger } from '../../shared/logger';
import { loadSecretsIntoEnv, type SecretVariable } from '../../shared/secrets';
import { createTwilioClient, type TwilioClient } from '../../shared/twilio';

/** What the handlers work with; built once per Lambda container (or per local stack). */
export interface Deps {
  config: Config;
  /** The raw environment the configuration came from (to see which secrets are referenced). */
  env: NodeJS.ProcessEnv;
  store: CallStore;
  completer: CallCompleter;
  twilio: () => TwilioClient;
  now: () => Date;
}

export function buildDeps(c: Config, env: NodeJS.ProcessEnv, overrides: Partial<Deps> = {}): Deps {
  const now = overrides.now ?? (() => new Date());
  const store = overrides.store ?? new CallStore(createDynamoClient(c), callStoreSettings(c), now);
  let twilio: TwilioClient | undefined;
  return {
    config: c,
    env,
    store,
    completer: overrides.completer ?? new CallCompleter(store, createEventPublisher(c), logger, now),
    twilio: overrides.twilio ?? (() => (twilio ??= createTwilioClient(c))),
    now,
  };
}

let depsFromEnv: Promise<Deps> | undefined;

/**
 * The Lambda entry point for a handler factory: dependencies come from the environment,
 * with the named secrets read from Secrets Manager on the first invocation.
 */
export function lambdaEntry<E, R>(
  create: (deps: Deps) => (event: E) => Promise<R>,
  secrets: readonly SecretVariable[],
): (event: E) => Promise<R> {
  let handle: ((event: E) => Promise<R>) | undefined;
  return async (event) => {
    if (!handle) {
      depsFromEnv ??= loadSecretsIntoEnv(secrets).then(() => buildDeps(config(), process.env));
      handle = create(await depsFromEnv);
    }
    return handle(event);
  };
}
