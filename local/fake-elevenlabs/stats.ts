import { audioTimelines, type AudioTimelines } from '../fake-common/audio-timeline';
import type { AudioFormatName, InitiationData } from './client-messages';

export type ConversationCloseCause = 'client' | 'fault' | 'server' | 'auth' | 'override' | 'agent';

/** Everything one agent conversation (one WebSocket) did. */
export interface ConversationStats {
  readonly conversationId: string;
  readonly agentId: string;
  readonly connectedAt: number;
  closedAt?: number;
  closedBy?: ConversationCloseCause;
  /** The subprotocols the client offered. */
  protocols: string[];
  /** The initiation data as received. */
  initiation?: InitiationData;
  /** The prompt the agent runs with (override or the agent's own), variables filled in. */
  instructions: string;
  voiceId?: string;
  inputFormat: AudioFormatName;
  outputFormat: AudioFormatName;
  audioChunksReceived: number;
  audioBytesReceived: number;
  audioEventsSent: number;
  audioBytesSent: number;
  /** When each 20 ms of audio was sent and received (the benchmark's end-to-end latency). */
  timeline: AudioTimelines;
  pingsSent: number;
  pongsReceived: number;
  responses: number;
  interruptions: number;
  toolCallsIssued: number;
  toolResults: Array<{ tool_call_id: string; result: unknown; is_error?: boolean }>;
  contextualUpdates: string[];
  userMessages: string[];
  invalidMessages: string[];
  userTranscripts: string[];
  assistantTranscripts: string[];
  ended: boolean;
}

export interface FakeElevenLabsStats {
  readonly signedUrlRequests: number;
  /** Signed-URL requests refused for a wrong or missing `xi-api-key`. */
  readonly signedUrlRefusals: number;
  /** Conversations refused (no or bad signature for a private agent, unknown agent). */
  readonly conversationsRefused: number;
  readonly conversations: readonly ConversationStats[];
}

export class ElevenLabsStatsRecorder implements FakeElevenLabsStats {
  signedUrlRequests = 0;
  signedUrlRefusals = 0;
  conversationsRefused = 0;
  readonly conversations: ConversationStats[] = [];

  open(conversationId: string, agentId: string, protocols: string[], inputFormat: AudioFormatName, outputFormat: AudioFormatName): ConversationStats {
    const stats: ConversationStats = {
      conversationId,
      agentId,
      connectedAt: Date.now(),
      protocols,
      instructions: '',
      inputFormat,
      outputFormat,
      audioChunksReceived: 0,
      audioBytesReceived: 0,
      audioEventsSent: 0,
      audioBytesSent: 0,
      timeline: audioTimelines(),
      pingsSent: 0,
      pongsReceived: 0,
      responses: 0,
      interruptions: 0,
      toolCallsIssued: 0,
      toolResults: [],
      contextualUpdates: [],
      userMessages: [],
      invalidMessages: [],
      userTranscripts: [],
      assistantTranscripts: [],
      ended: false,
    };
    this.conversations.push(stats);
    return stats;
  }
}
