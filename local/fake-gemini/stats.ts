import { newSessionStats, type FakeSessionStats, type StatsView } from '../fake-common/session-stats';
export type LiveCloseCause = 'client' | 'fault' | 'server' | 'auth' | 'invalid' | 'go_away';

/** Everything one Live connection did. */
export interface LiveSessionStats extends FakeSessionStats<LiveCloseCause> {
  readonly sessionId: string;
  readonly connectedAt: number;
  /** The setup as received (model, generationConfig, tools, …); undefined until it arrives. */
  setup?: Record<string, unknown>;
  model?: string;
  voice?: string;
  instructions: string;
  toolNames: string[];
  /** The session resumed an earlier one with this handle. */
  resumedFrom?: string;
  /** `realtimeInput` audio chunks and their decoded PCM bytes. */
  audioChunksReceived: number;
  /** Sample rates announced in the audio mime types. */
  inputRates: number[];
  textInputs: string[];
  audioChunksSent: number;
  turnsCompleted: number;
  interruptions: number;
  toolCallsIssued: number;
  toolResponsesReceived: number;
  toolResponses: Array<{ id?: string; name: string; response?: Record<string, unknown> }>;
  /** Frames were sent as binary (as the real service does) rather than text. */
  binaryFrames: boolean;
}

export type FakeGeminiStats = StatsView<GeminiStatsRecorder>;

export class GeminiStatsRecorder {
  connectionsOpened = 0;
  /** Connections closed with 1007 for a wrong or missing API key. */
  connectionsRefused = 0;
  readonly sessions: LiveSessionStats[] = [];

  openSession(sessionId: string, binaryFrames: boolean): LiveSessionStats {
    this.connectionsOpened += 1;
    const session: LiveSessionStats = {
      ...newSessionStats(),
      sessionId,
      connectedAt: Date.now(),
      instructions: '',
      toolNames: [],
      audioChunksReceived: 0,
      inputRates: [],
      textInputs: [],
      audioChunksSent: 0,
      turnsCompleted: 0,
      interruptions: 0,
      toolCallsIssued: 0,
      toolResponsesReceived: 0,
      toolResponses: [],
      binaryFrames,
    };
    this.sessions.push(session);
    return session;
  }
}
