import { z } from 'zod';
import { isSecretConfigured } from '../secret-reference';
import { amazonNovaSonic } from './amazon-nova-sonic';
import { elevenlabs } from './elevenlabs';
import { gemini } from './gemini';
import { openai } from './openai';
import { primaryLanguage } from '../languages';

/**
 * Every realtime provider, one module each. The configuration schema, the secrets, the
 * deploy-time options and IAM, and the console derive from this list; the media service's
 * sessions and the embedded stack's fakes are registered per provider id beside it.
 */
const DESCRIPTORS = [openai, gemini, elevenlabs, amazonNovaSonic] as const;

type Descriptor = (typeof DESCRIPTORS)[number];
export type RealtimeProvider = Descriptor['id'];

export const REALTIME_PROVIDERS = DESCRIPTORS.map((d) => d.id) as [RealtimeProvider, ...RealtimeProvider[]];
export const realtimeProviderSchema = z.enum(REALTIME_PROVIDERS);

export const PROVIDERS = Object.fromEntries(DESCRIPTORS.map((d) => [d.id, d])) as {
  [Id in RealtimeProvider]: Extract<Descriptor, { id: Id }>;
};

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every provider's own environment variables, as one piece of the configuration schema. */
export const providerSettingsShape = Object.assign({}, ...DESCRIPTORS.map((d) => d.settings)) as UnionToIntersection<
  Descriptor['settings']
>;

export type ProviderSecretName = { [D in Descriptor as D['id']]: keyof D['secrets'] & string }[RealtimeProvider];

/** Secret variables of the providers, each with the description of its Secrets Manager secret. */
export const PROVIDER_SECRETS = Object.assign({}, ...DESCRIPTORS.map((d) => d.secrets)) as Record<ProviderSecretName, string>;

export function isRealtimeProvider(value: unknown): value is RealtimeProvider {
  return (REALTIME_PROVIDERS as readonly unknown[]).includes(value);
}

export function defaultModel(provider: RealtimeProvider): string {
  return PROVIDERS[provider].defaultModel;
}

export function defaultVoice(provider: RealtimeProvider): string {
  return PROVIDERS[provider].defaultVoice;
}

/** The settings `provider` still needs in this environment; empty when it can take calls. */
export function missingProviderSettings(
  provider: RealtimeProvider,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const { required, secrets }: { required: readonly string[]; secrets: object } = PROVIDERS[provider];
  return required.filter((name) => (name in secrets ? !isSecretConfigured(name, env) : !env[name]?.trim()));
}

/** The voice for a call: the one asked for, else the one that speaks the call's language, else the provider's default. */
export function voiceFor(provider: RealtimeProvider, language: string | undefined, requested?: string): string {
  const byLanguage = language ? PROVIDERS[provider].voiceByLanguage[primaryLanguage(language)] : undefined;
  return requested ?? byLanguage ?? defaultVoice(provider);
}

/** True when `provider` has a voice for the language of this BCP-47 tag. */
export function speaksLanguage(provider: RealtimeProvider, language: string): boolean {
  return Object.hasOwn(PROVIDERS[provider].voiceByLanguage, primaryLanguage(language));
}

export type { ProviderDescriptor, ProviderIamGrant } from './descriptor';
