import type { RealtimeProvider } from '../../shared/config';
import { OpenAIProviderSession } from './openai';
import type { ProviderFactory } from './types';

/** One entry per realtime provider; each adapter is a file of its own. */
const FACTORIES: Partial<Record<RealtimeProvider, ProviderFactory>> = {
  openai: (options) => new OpenAIProviderSession(options),
};

export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

export function providerFactory(provider: RealtimeProvider): ProviderFactory {
  const factory = FACTORIES[provider];
  if (!factory) throw new ProviderUnavailableError(`The "${provider}" realtime provider is not available in this build`);
  return factory;
}
