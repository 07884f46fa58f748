import { int, optionalHttpUrl, optionalString } from '../env-values';
import { defineProvider, everyLanguage } from './descriptor';

export const elevenlabs = defineProvider({
  id: 'elevenlabs',
  label: 'ElevenLabs',
  // The agent's own LLM answers; the model name is recorded, not sent.
  defaultModel: 'elevenlabs-agent',
  defaultVoice: 'agent-default',
  voices: ['agent-default'],
  // The agent's own voice (a multilingual model); the agent must allow the language override.
  voiceByLanguage: everyLanguage('agent-default'),
  settings: {
    ELEVENLABS_API_KEY: optionalString,
    ELEVENLABS_AGENT_ID: optionalString,
    /** ElevenLabs API base; the signed-URL request and the agent WebSocket (`wss://…`) are derived from it. */
    ELEVENLABS_BASE_URL: optionalHttpUrl.transform((v) => v ?? 'https://api.elevenlabs.io'),
    /** The protocol has no "response done": a response ends once its audio has been quiet this long (wall clock). */
    ELEVENLABS_RESPONSE_QUIET_MS: int(700, 20, 10_000),
    /** An agent with a first message starts speaking at once; without one, it is cued to greet after this (wall clock). */
    ELEVENLABS_FIRST_MESSAGE_GRACE_MS: int(1_500, 20, 10_000),
    /** After an interruption, how long the agent's cut words wait for ElevenLabs' `agent_response_correction` (wall clock). */
    ELEVENLABS_CORRECTION_WAIT_MS: int(1_000, 20, 10_000),
  },
  secrets: { ELEVENLABS_API_KEY: 'ElevenLabs API key (Agents WebSocket)' },
  required: ['ELEVENLABS_API_KEY', 'ELEVENLABS_AGENT_ID'],
  iam: [],
});
