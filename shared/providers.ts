import type { RealtimeProvider } from './config';
import { isSecretConfigured, type SecretVariable } from './secrets';

interface ProviderFacts {
  defaultModel: string;
  defaultVoice: string;
  /** Settings a call on this provider cannot start without. */
  requires: (env: NodeJS.ProcessEnv) => string[];
}

const secret = (name: SecretVariable) => (env: NodeJS.ProcessEnv) =>
  isSecretConfigured(name, env) ? [] : [name];

export const PROVIDERS: Record<RealtimeProvider, ProviderFacts> = {
  openai: { defaultModel: 'gpt-realtime', defaultVoice: 'marin', requires: secret('OPENAI_API_KEY') },
  gemini: { defaultModel: 'gemini-2.5-flash-native-audio-preview-09-2025', defaultVoice: 'Puck', requires: secret('GEMINI_API_KEY') },
  elevenlabs: {
    defaultModel: 'elevenlabs-agent',
    defaultVoice: 'agent-default',
    requires: (env) => [...secret('ELEVENLABS_API_KEY')(env), ...(env.ELEVENLABS_AGENT_ID ? [] : ['ELEVENLABS_AGENT_ID'])],
  },
  // Credentials come from the standard AWS chain (the task role in AWS). Nova 2 Sonic: the
  // agent speaks first from a text prompt (cross-modal input), which Nova Sonic v1 lacks.
  amazon_nova_sonic: { defaultModel: 'amazon.nova-2-sonic-v1:0', defaultVoice: 'matthew', requires: () => [] },
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
