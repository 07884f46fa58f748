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
 * Resolves `<NAME>_SECRET_ARN` for each named secret into NAME (once, at cold start),
 * so the configuration schema sees plain values and never the ARN's secret in a template.
 */
export async function loadSecretsIntoEnv(
  names: readonly SecretVariable[] = SECRET_VARIABLES,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const arn = env[secretArnVariable(name)];
      if (!arn || env[name]) return;
      const value = await getSecret<string>(arn, { maxAge: 300 });
      if (typeof value === 'string') env[name] = value;
    }),
  );
}
