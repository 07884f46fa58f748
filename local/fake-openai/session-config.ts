import { PCM_24K, type AudioFormat } from './audio-format';
import type { SessionConfigUpdate, TurnDetection } from './client-events';

/** The session configuration as the server holds it (what `session.updated` reports). */
export interface SessionState {
  instructions: string;
  tools: Array<Record<string, unknown>>;
  toolChoice: unknown;
  inputFormat: AudioFormat;
  outputFormat: AudioFormat;
  transcription: Record<string, unknown> | null;
  turnDetection: TurnDetection | null;
  voice: string;
  speed: number;
  tracing: unknown;
  outputModalities: Array<'audio' | 'text'>;
}

export function defaultSessionState(): SessionState {
  return {
    instructions: '',
    tools: [],
    toolChoice: 'auto',
    inputFormat: PCM_24K,
    outputFormat: PCM_24K,
    transcription: null,
    turnDetection: withVadDefaults({ type: 'server_vad' }),
    voice: 'alloy',
    speed: 1,
    tracing: null,
    outputModalities: ['audio'],
  };
}

/** `session.update` is partial: only the fields present change. */
export function applySessionUpdate(state: SessionState, update: SessionConfigUpdate): SessionState {
  const input = update.audio?.input;
  const output = update.audio?.output;
  return {
    instructions: update.instructions ?? state.instructions,
    tools: update.tools ?? state.tools,
    toolChoice: update.tool_choice ?? state.toolChoice,
    tracing: update.tracing !== undefined ? update.tracing : state.tracing,
    outputModalities: update.output_modalities ?? state.outputModalities,
    inputFormat: input?.format ?? state.inputFormat,
    outputFormat: output?.format ?? state.outputFormat,
    transcription: input?.transcription !== undefined ? input.transcription : state.transcription,
    turnDetection: input?.turn_detection !== undefined ? withVadDefaults(input.turn_detection) : state.turnDetection,
    voice: output?.voice ?? state.voice,
    speed: output?.speed ?? state.speed,
  };
}

export function toolSchemasOf(state: SessionState): Record<string, unknown> {
  return Object.fromEntries(state.tools.flatMap((tool) => (typeof tool.name === 'string' ? [[tool.name, tool.parameters]] : [])));
}

export function toolNamesOf(state: SessionState): string[] {
  return state.tools.flatMap((tool) => (typeof tool.name === 'string' ? [tool.name] : []));
}

export function sessionObject(state: SessionState, identity: { id: string; model: string; expiresAt: number }) {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: identity.id,
    model: identity.model,
    output_modalities: state.outputModalities,
    instructions: state.instructions,
    tools: state.tools,
    tool_choice: state.toolChoice,
    max_output_tokens: 'inf',
    tracing: state.tracing,
    truncation: 'auto',
    prompt: null,
    expires_at: identity.expiresAt,
    include: null,
    audio: {
      input: {
        format: state.inputFormat,
        transcription: state.transcription,
        noise_reduction: null,
        turn_detection: state.turnDetection,
      },
      output: { format: state.outputFormat, voice: state.voice, speed: state.speed },
    },
  };
}

export function sameFormat(a: AudioFormat, b: AudioFormat): boolean {
  return a.type === b.type && (a.type !== 'audio/pcm' || b.type !== 'audio/pcm' || a.rate === b.rate);
}

/** The real server echoes turn detection with its defaults filled in; the SDK reads `interrupt_response` from it. */
function withVadDefaults(turnDetection: TurnDetection | null): TurnDetection | null {
  if (!turnDetection) return null;
  const defaults =
    turnDetection.type === 'semantic_vad'
      ? { eagerness: 'auto' }
      : { threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null };
  return { ...defaults, create_response: true, interrupt_response: true, ...turnDetection };
}
