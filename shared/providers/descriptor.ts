import type { z } from 'zod';
import { LANGUAGES } from '../languages';

type SecretsOf<Settings> = { readonly [Name in keyof Settings & string]?: string };

/** IAM a provider's sessions need from the media task role (AWS-hosted models only). */
export interface ProviderIamGrant {
  /** Statement id in the task role's policy. */
  sid: string;
  actions: readonly string[];
  /** Bedrock foundation-model ids the actions apply to. */
  foundationModels: readonly string[];
}

/**
 * What the rest of the system knows about one realtime provider: configuration, secrets,
 * deploy-time IAM and the console's labels. Lightweight on purpose (zod only): the Lambda
 * functions import it. The session itself lives in `media-service/providers/`, the local
 * fake in `local/provider-fakes.ts`.
 */
export interface ProviderDescriptor<
  Id extends string = string,
  Settings extends z.ZodRawShape = z.ZodRawShape,
  Secrets extends SecretsOf<Settings> = SecretsOf<Settings>,
> {
  id: Id;
  /** Display name (console, docs). */
  label: string;
  defaultModel: string;
  defaultVoice: string;
  /** Voices the console suggests; any other name can be typed. */
  voices: readonly string[];
  /** The callee languages a call may ask for (primary BCP-47 subtag) and the voice that speaks each. */
  voiceByLanguage: Readonly<Record<string, string>>;
  /** The provider's own environment variables, merged into the configuration schema. */
  settings: Settings;
  /** Which of `settings` are secrets (one Secrets Manager secret each), with the secret's description. */
  secrets: Secrets;
  /** Variables a call on this provider cannot start without. */
  required: readonly (keyof Settings & string)[];
  iam: readonly ProviderIamGrant[];
}

/** Declares a provider, keeping its id and settings' types exact. */
export function defineProvider<const Id extends string, Settings extends z.ZodRawShape, const Secrets extends SecretsOf<Settings>>(
  descriptor: ProviderDescriptor<Id, Settings, Secrets>,
): ProviderDescriptor<Id, Settings, Secrets> {
  return descriptor;
}

/** A multilingual voice: the same voice speaks every language the engine has wording for. */
export function everyLanguage(voice: string): Record<string, string> {
  return Object.fromEntries(Object.keys(LANGUAGES).map((language) => [language, voice]));
}
