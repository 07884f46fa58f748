import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { PROVIDER_SECRETS, type ProviderSecretName } from './providers';
import { secretArnVariable } from './secret-reference';

/** Variables that hold secrets. In AWS each arrives as `<NAME>_SECRET_ARN` (Lambda) or as NAME itself (ECS secret). */
export const SECRET_VARIABLES = [
  'API_KEY',
  'TWILIO_AUTH_TOKEN',
  ...(Object.keys(PROVIDER_SECRETS) as ProviderSecretName[]),
  'GOOGLE_PRIVATE_KEY',
  'WEBHOOK_SIGNING_SECRET',
] as const;
export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/**
 * How long a Lambda container trusts a secret it has read: after this the next invocation
 * reads it again, so a `put-secret-value` reaches warm containers within this time.
 */
export const SECRETS_MAX_AGE_SECONDS = 300;

/**
 * The values of the named secrets that arrive as `<NAME>_SECRET_ARN` (Lambda), read from
 * Secrets Manager through Powertools' cache (at most one read per secret per `maxAgeSeconds`).
 * Secrets without an ARN are left to the environment (local runs, ECS secrets).
 */
export async function readSecrets(
  names: readonly SecretVariable[] = SECRET_VARIABLES,
  env: NodeJS.ProcessEnv = process.env,
  maxAgeSeconds = SECRETS_MAX_AGE_SECONDS,
): Promise<Partial<Record<SecretVariable, string>>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const arn = env[secretArnVariable(name)];
      if (!arn) return undefined;
      const value = await getSecret<string>(arn, { maxAge: maxAgeSeconds });
      return typeof value === 'string' ? ([name, value] as const) : undefined;
    }),
  );
  return Object.fromEntries(entries.filter((entry) => entry !== undefined));
}
