/** In AWS a secret variable NAME arrives as `<NAME>_SECRET_ARN` (Lambda) or as NAME itself (ECS secret). */
export const secretArnVariable = (name: string): string => `${name}_SECRET_ARN`;

/** True when NAME or its secret reference is present, without reading the secret. */
export function isSecretConfigured(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env[name] || env[secretArnVariable(name)]);
}
