import type { RealtimeProvider } from '../../shared/providers';
import { ElevenLabsProviderSession } from './elevenlabs';
import { GeminiProviderSession } from './gemini';
import { NovaSonicProviderSession } from './nova-sonic';
import { OpenAIProviderSession } from './openai';
import type { ProviderFactory } from './types';

/** The session of each provider described in `shared/providers/`; each adapter is a module of its own. */
const FACTORIES: Record<RealtimeProvider, ProviderFactory> = {
  openai: (options) => new OpenAIProviderSession(options),
  gemini: (options) => new GeminiProviderSession(options),
  elevenlabs: (options) => new ElevenLabsProviderSession(options),
  amazon_nova_sonic: (options) => new NovaSonicProviderSession(options),
};

export function providerFactory(provider: RealtimeProvider): ProviderFactory {
  return FACTORIES[provider];
}
