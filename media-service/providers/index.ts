import type { RealtimeProvider } from '../../shared/providers';
import type { ProviderFactory } from './types';

/**
 * The session of each provider described in `shared/providers/`; each adapter is a module of its
 * own, loaded with its SDK on the first call that uses it (a process that never calls a provider
 * never holds its SDK in memory).
 */
const FACTORIES: Record<RealtimeProvider, ProviderFactory> = {
  openai: async (options) => new (await import('./openai')).OpenAIProviderSession(options),
  gemini: async (options) => new (await import('./gemini')).GeminiProviderSession(options),
  elevenlabs: async (options) => new (await import('./elevenlabs')).ElevenLabsProviderSession(options),
  amazon_nova_sonic: async (options) => new (await import('./nova-sonic')).NovaSonicProviderSession(options),
};

export function providerFactory(provider: RealtimeProvider): ProviderFactory {
  return FACTORIES[provider];
}
