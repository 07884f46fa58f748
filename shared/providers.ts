import type { RealtimeProvider } from './config';
import { isSecretConfigured, type SecretVariable } from './secrets';

interface ProviderFacts {
  defaultModel: string;
  defaultVoice: string;
  /** The callee languages a call may ask for (primary BCP-47 subtag) and the voice that speaks each. */
  voiceByLanguage: Record<string, string>;
  /** Settings a call on this provider cannot start without. */
  requires: (env: NodeJS.ProcessEnv) => string[];
}

const secret = (name: SecretVariable) => (env: NodeJS.ProcessEnv) =>
  isSecretConfigured(name, env) ? [] : [name];

export const PROVIDERS: Record<RealtimeProvider, ProviderFacts> = {
  // OpenAI's and Gemini's voices are multilingual: the same voice speaks every language.
  openai: {
    defaultModel: 'gpt-realtime',
    defaultVoice: 'marin',
    voiceByLanguage: { en: 'marin', es: 'marin', fr: 'marin', de: 'marin', it: 'marin', pt: 'marin' },
    requires: secret('OPENAI_API_KEY'),
  },
  gemini: {
    defaultModel: 'gemini-2.5-flash-native-audio-preview-09-2025',
    defaultVoice: 'Puck',
    voiceByLanguage: { en: 'Puck', es: 'Puck', fr: 'Puck', de: 'Puck', it: 'Puck', pt: 'Puck' },
    requires: secret('GEMINI_API_KEY'),
  },
  // The agent's own voice (a multilingual model); the agent must allow the language override.
  elevenlabs: {
    defaultModel: 'elevenlabs-agent',
    defaultVoice: 'agent-default',
    voiceByLanguage: { en: 'agent-default', es: 'agent-default', fr: 'agent-default', de: 'agent-default', it: 'agent-default', pt: 'agent-default' },
    requires: (env) => [...secret('ELEVENLABS_API_KEY')(env), ...(env.ELEVENLABS_AGENT_ID ? [] : ['ELEVENLABS_AGENT_ID'])],
  },
  // Credentials come from the standard AWS chain (the task role in AWS). Nova 2 Sonic: the
  // agent speaks first from a text prompt (cross-modal input), which Nova Sonic v1 lacks.
  // Nova Sonic's voices each speak one language.
  amazon_nova_sonic: {
    defaultModel: 'amazon.nova-2-sonic-v1:0',
    defaultVoice: 'matthew',
    voiceByLanguage: { en: 'matthew', es: 'lupe', fr: 'ambre', de: 'tina', it: 'beatrice' },
    requires: () => [],
  },
};

export function defaultModel(provider: RealtimeProvider): string {
  return PROVIDERS[provider].defaultModel;
}

export function defaultVoice(provider: RealtimeProvider): string {
  return PROVIDERS[provider].defaultVoice;
}

/** The settings `provider` still needs in this environment; empty when it can take calls. */
export function missingProviderSettings(provider: RealtimeProvider, env: NodeJS.ProcessEnv = process.env): string[] {
  return PROVIDERS[provider].requires(env);
}

/** The voice for a call: the one asked for, else the one that speaks the call's language, else the provider's default. */
export function voiceFor(provider: RealtimeProvider, language: string | undefined, requested?: string): string {
  const byLanguage = language ? PROVIDERS[provider].voiceByLanguage[language.split('-')[0]!] : undefined;
  return requested ?? byLanguage ?? defaultVoice(provider);
}

/** True when `provider` has a voice for the language of this BCP-47 tag. */
export function speaksLanguage(provider: RealtimeProvider, language: string): boolean {
  return Object.hasOwn(PROVIDERS[provider].voiceByLanguage, language.split('-')[0]!);
}
