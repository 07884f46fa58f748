import { newSessionStats, type FakeSessionStats, type StatsView } from '../fake-common/session-stats';
export type StreamCloseCause = 'client' | 'fault' | 'server' | 'exception';

/** Everything one bidirectional stream (one Nova Sonic session) did. */
export interface NovaStreamStats extends FakeSessionStats<StreamCloseCause> {
  readonly modelId: string;
  readonly accessKeyId: string | undefined;
  readonly openedAt: number;
  promptName?: string;
  systemPrompt: string;
  /** Conversation history sent before the audio content (a resumed conversation). */
  history: Array<{ role: 'USER' | 'ASSISTANT'; text: string }>;
  voiceId?: string;
  toolNames: string[];
  /** The parsed `inputSchema.json` of each tool, by name. */
  toolSchemas: Record<string, unknown>;
  inputSampleRate?: number;
  /** The rate promptStart asked for, and the rate the fake spoke at (they differ only under `outputSampleRateHertz`). */
  requestedOutputSampleRate?: number;
  outputSampleRate?: number;
  /** Count of every input event received, by name. */
  eventCounts: Record<string, number>;
  /** Input event names in arrival order, audioInput left out. */
  eventOrder: string[];
  audioChunksSent: number;
  /** Interactive USER text contents (greeting triggers, DTMF notices, …). */
  textInputs: string[];
  toolUsesSent: number;
  toolResults: Array<{ toolUseId: string; content: string }>;
  interruptions: number;
  exceptionsSent: Array<{ type: string; message: string }>;
}

export type FakeNovaSonicStats = StatsView<NovaStatsRecorder>;

export class NovaStatsRecorder {
  /** Requests refused before the stream opened (403 auth, 400 model, 404 route). */
  readonly requestsRefused: Array<{ status: number; errorType: string }> = [];
  readonly streams: NovaStreamStats[] = [];

  get streamsOpened(): number {
    return this.streams.length;
  }

  openStream(modelId: string, accessKeyId: string | undefined): NovaStreamStats {
    const stream: NovaStreamStats = {
      ...newSessionStats(),
      modelId,
      accessKeyId,
      openedAt: Date.now(),
      systemPrompt: '',
      history: [],
      toolNames: [],
      toolSchemas: {},
      eventCounts: {},
      eventOrder: [],
      audioChunksSent: 0,
      textInputs: [],
      toolUsesSent: 0,
      toolResults: [],
      interruptions: 0,
      exceptionsSent: [],
    };
    this.streams.push(stream);
    return stream;
  }
}
