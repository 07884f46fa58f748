import { DEFAULT_INSTRUCTIONS } from '../../media-service/prompt';
import { PROVIDERS, REALTIME_PROVIDERS, missingProviderSettings } from '../../shared/providers';
import type { LocalStack } from '../stack';
import type { ConsoleEnvironment } from './wire';

/** What the console pages need to know about this stack. */
export function describeEnvironment(stack: LocalStack): ConsoleEnvironment {
  const c = stack.config;
  return {
    twilio: stack.twilio ? 'simulator' : 'real',
    model: stack.fakes.openai ? 'fake' : 'real',
    apiUrl: stack.apiUrl,
    mediaUrl: stack.mediaUrl,
    fromNumber: c.TWILIO_PHONE_NUMBER ?? null,
    allowedPrefixes: c.ALLOWED_DESTINATION_PREFIXES ?? null,
    defaultProvider: c.REALTIME_PROVIDER,
    defaultInstructions: c.SYSTEM_PROMPT ?? DEFAULT_INSTRUCTIONS,
    maxDurationSeconds: c.MAX_CALL_DURATION_SECONDS,
    providers: REALTIME_PROVIDERS.map((id) => {
      const missing = missingProviderSettings(id, stack.deps.env);
      const provider = PROVIDERS[id];
      return {
        id,
        label: provider.label,
        ready: missing.length === 0,
        why: missing.length ? `set ${missing.join(', ')}` : null,
        defaultModel: provider.defaultModel,
        defaultVoice: (id === c.REALTIME_PROVIDER ? c.REALTIME_VOICE : undefined) ?? provider.defaultVoice,
        voices: [...provider.voices],
      };
    }),
  };
}
