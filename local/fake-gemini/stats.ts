import { audioTimelines, type AudioTimelines } from '../fake-common/audio-timeline';
export type LiveCloseCause = 'client' | 'fault' | 'server' | 'auth' | 'invalid' | 'go_away';

/** Everything one Live connection did. */
export interface LiveSessionStats {
  readonly sessionId: string;
  readonly connectedAt: number;
  closedAt?: number;
  closedBy?: LiveCloseCause;
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
  audioBytesReceived: number;
  /** Sample rates announced in the audio mime types. */
  inputRates: number[];
  textInputs: string[];
  audioChunksSent: number;
  audioBytesSent: number;
  /** When each 20 ms of audio was sent and received (the benchmark's end-to-end latency). */
  timeline: AudioTimelines;
  turnsCompleted: number;
  interruptions: number;
  toolCallsIssued: number;
  toolResponsesReceived: number;
  toolResponses: Array<{ id?: string; name: string; response?: Record<string, unknown> }>;
  userTranscripts: string[];
  assistantTranscripts: string[];
  /** Frames were sent as binary (as the real service does) rather than text. */
  binaryFrames: boolean;
  ended: boolean;
}

export interface FakeGeminiStats {
  readonly connectionsOpened: number;
  /** Connections closed with 1007 for a wrong or missing API key. */
  readonly connectionsRefused: number;
  readonly sessions: readonly LiveSessionStats[];
}

export class GeminiStatsRecorder implements FakeGeminiStats {
  connectionsOpened = 0;
  connectionsRefused = 0;
  readonly sessions: LiveSessionStats[] = [];

  openSession(sessionId: string, binaryFrames: boolean): LiveSessionStats {
    this.connectionsOpened += 1;
    const session: LiveSessionStats = {
      sessionId,
      connectedAt: Date.now(),
      instructions: '',
      toolNames: [],
      audioChunksReceived: 0,
      audioBytesReceived: 0,
      inputRates: [],
      textInputs: [],
      audioChunksSent: 0,
      audioBytesSent: 0,
      timeline: audioTimelines(),
      turnsCompleted: 0,
      interruptions: 0,
      toolCallsIssued: 0,
      toolResponsesReceived: 0,
      toolResponses: [],
      userTranscripts: [],
      assistantTranscripts: [],
      binaryFrames,
      ended: false,
    };
    this.sessions.push(session);
    return session;
  }
}
