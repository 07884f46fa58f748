import type { RealtimeProvider } from '../../shared/config';
import { ElevenLabsProviderSession } from './elevenlabs';
import { GeminiProviderSession } from './gemini';
import { NovaSonicProviderSession } from './nova-sonic';
import { OpenAIProviderSession } from './openai';
import type { ProviderFactory } from './types';

/** One entry per realtime provider; each adapter is a file of its own. */
const FACTORIES: Partial<Record<RealtimeProvider, ProviderFactory>> = {
  openai: (options) => new OpenAIProviderSession(options),
  gemini: (options) => new GeminiProviderSession(options),
  elevenlabs: (options) => new ElevenLabsProviderSession(options),
  amazon_nova_sonic: (options) => new NovaSonicProviderSession(options),
};

export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

export function providerFactory(provider: RealtimeProvider): ProviderFactory {
  const factory = FACTORIES[provider];
  if (!factory) throw new ProviderUnavailableError(`The "${provider}" realtime provider is not available in this build`);
  return factory;
}
