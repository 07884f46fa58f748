import { randomBytes } from 'node:crypto';
import type { RealtimeProvider } from '../shared/providers';
import { startFakeElevenLabs, type FakeElevenLabsSettings } from './fake-elevenlabs/server';
import { startFakeGemini, type FakeGeminiSettings } from './fake-gemini/server';
import { startFakeNovaSonic, type FakeNovaSonicOptions } from './fake-nova-sonic/server';
import type { AgentScript } from './fake-openai/scripts';
import { startFakeOpenAI, type FakeOpenAIOptions } from './fake-openai/server';

/** How the embedded stack stands in for one realtime provider. */
interface ProviderFake<Options, Fake extends { close(): Promise<void> }> {
  /** True when the environment configures the real provider; then no fake is started. */
  usesReal(env: NodeJS.ProcessEnv): boolean;
  /** Starts the fake with the stack's settings (which `options` may override); `env` points the provider at it. */
  start(common: CommonFakeSettings, options: Options | undefined): Promise<{ fake: Fake; env: Record<string, string> }>;
}

/** What every fake of one stack shares. */
export interface CommonFakeSettings {
  /** What the fake model says and calls. */
  agent: AgentScript;
  /** Speed-up of the fakes' audio pacing (see the stack's `timeScale`). */
  timeScale?: number;
}

/** The ElevenLabs adapter's waits on the conversation's pace (their defaults), in real time. */
const ELEVENLABS_WAITS_MS = { ELEVENLABS_RESPONSE_QUIET_MS: 700, ELEVENLABS_FIRST_MESSAGE_GRACE_MS: 1_500, ELEVENLABS_CORRECTION_WAIT_MS: 1_000 };

const localKey = (prefix: string) => `${prefix}-local-${randomBytes(8).toString('hex')}`;

/** The local fake of each provider described in `shared/providers/`, each speaking that provider's own wire protocol. */
export const PROVIDER_FAKES = {
  openai: fake({
    usesReal: (env) => Boolean(env.OPENAI_API_KEY),
    async start(common, options: Partial<Omit<FakeOpenAIOptions, 'port' | 'apiKey'>> | undefined) {
      const apiKey = localKey('sk');
      const fake = await startFakeOpenAI({ ...common, ...options, apiKey });
      return { fake, env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: fake.baseUrl } };
    },
  }),
  gemini: fake({
    usesReal: (env) => Boolean(env.GEMINI_API_KEY),
    async start(common, options: Omit<FakeGeminiSettings, 'apiKey'> | undefined) {
      const apiKey = localKey('gemini');
      const fake = await startFakeGemini({ ...common, ...options, apiKey });
      return { fake, env: { GEMINI_API_KEY: apiKey, GEMINI_BASE_URL: fake.baseUrl } };
    },
  }),
  elevenlabs: fake({
    usesReal: (env) => Boolean(env.ELEVENLABS_AGENT_ID),
    async start(common, options: Omit<FakeElevenLabsSettings, 'apiKey'> | undefined) {
      const apiKey = localKey('xi');
      const fake = await startFakeElevenLabs({ ...common, ...options, apiKey });
      return {
        fake,
        env: {
          ELEVENLABS_API_KEY: apiKey,
          ELEVENLABS_AGENT_ID: fake.agentId,
          ELEVENLABS_BASE_URL: fake.baseUrl,
          // The fake talks `timeScale` times faster than real time, so its pauses, and the adapter's waits on them, are that much shorter too.
          ...Object.fromEntries(Object.entries(ELEVENLABS_WAITS_MS).map(([name, ms]) => [name, String(Math.round(ms / (common.timeScale ?? 1)))])),
        },
      };
    },
  }),
  amazon_nova_sonic: fake({
    // Bedrock is real when the environment names AWS credentials or an endpoint.
    usesReal: (env) => Boolean(env.BEDROCK_ENDPOINT || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE),
    async start(common, options: Omit<FakeNovaSonicOptions, 'port'> | undefined) {
      const fake = await startFakeNovaSonic({ ...common, ...options });
      return { fake, env: { BEDROCK_ENDPOINT: fake.endpoint } };
    },
  }),
} satisfies { [P in RealtimeProvider]: ProviderFake<never, { close(): Promise<void> }> };

type Fakes = typeof PROVIDER_FAKES;
/** The running fakes, by provider (absent where the real provider is configured). */
export type LocalFakes = { [P in RealtimeProvider]?: Awaited<ReturnType<Fakes[P]['start']>>['fake'] };
/** Scripts, faults and credential checks for the fakes, by provider. */
export type LocalFakeOptions = { [P in RealtimeProvider]?: NonNullable<Parameters<Fakes[P]['start']>[1]> };

function fake<Options, Fake extends { close(): Promise<void> }>(f: ProviderFake<Options, Fake>): ProviderFake<Options, Fake> {
  return f;
}

/** Starts the fake of every provider the environment does not configure for real; returns them and the settings that reach them. */
export async function startProviderFakes(
  env: NodeJS.ProcessEnv,
  common: CommonFakeSettings,
  options: LocalFakeOptions = {},
): Promise<{ fakes: LocalFakes; env: Record<string, string> }> {
  const fakes: Record<string, { close(): Promise<void> }> = {};
  const settings: Record<string, string> = {};
  for (const [provider, entry] of Object.entries(PROVIDER_FAKES) as [RealtimeProvider, ProviderFake<unknown, { close(): Promise<void> }>][]) {
    if (entry.usesReal(env)) continue;
    const started = await entry.start(common, options[provider]);
    fakes[provider] = started.fake;
    Object.assign(settings, started.env);
  }
  return { fakes: fakes as LocalFakes, env: settings };
}
