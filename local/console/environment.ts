import { REALTIME_PROVIDERS } from '../../shared/config';
import { DEFAULT_INSTRUCTIONS } from '../../media-service/prompt';
import { providerFactory } from '../../media-service/providers';
import { PROVIDERS, missingProviderSettings } from '../../shared/providers';
import type { LocalStack } from '../stack';

/** Voices the form suggests per provider; any other name can be typed. */
const SUGGESTED_VOICES: Record<string, string[]> = {
  openai: ['marin', 'cedar', 'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse'],
  gemini: ['Puck', 'Charon', 'Kore', 'Fenrir', 'Aoede', 'Leda', 'Orus', 'Zephyr'],
  elevenlabs: ['agent-default'],
  amazon_nova_sonic: ['matthew', 'tiffany', 'amy'],
};

/** What the console pages need to know about this stack: which services are real, which providers can take a call. */
export function describeEnvironment(stack: LocalStack) {
  const c = stack.config;
  return {
    twilio: stack.twilio ? 'simulator' : 'real',
    model: stack.model ? 'fake' : 'real',
    apiUrl: stack.apiUrl,
    mediaUrl: stack.mediaUrl,
    fromNumber: c.TWILIO_PHONE_NUMBER ?? null,
    allowedPrefixes: c.ALLOWED_DESTINATION_PREFIXES ?? null,
    defaultProvider: c.REALTIME_PROVIDER,
    defaultInstructions: c.SYSTEM_PROMPT ?? DEFAULT_INSTRUCTIONS,
    maxDurationSeconds: c.MAX_CALL_DURATION_SECONDS,
    providers: REALTIME_PROVIDERS.map((id) => {
      const missing = missingProviderSettings(id, stack.deps.env);
      return {
        id,
        ready: missing.length === 0 && isBuilt(id),
        why: !isBuilt(id) ? 'no adapter in this build' : missing.length ? `set ${missing.join(', ')}` : null,
        defaultModel: PROVIDERS[id].defaultModel,
        defaultVoice: (id === c.REALTIME_PROVIDER ? c.REALTIME_VOICE : undefined) ?? PROVIDERS[id].defaultVoice,
        voices: SUGGESTED_VOICES[id] ?? [],
      };
    }),
  };
}
export type ConsoleEnvironment = ReturnType<typeof describeEnvironment>;

function isBuilt(provider: (typeof REALTIME_PROVIDERS)[number]): boolean {
  try {
    providerFactory(provider);
    return true;
  } catch {
    return false;
  }
}
