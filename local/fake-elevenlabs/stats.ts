import { newSessionStats, type FakeSessionStats, type StatsView } from '../fake-common/session-stats';
import type { AudioFormatName, InitiationData } from './client-messages';

export type ConversationCloseCause = 'client' | 'fault' | 'server' | 'auth' | 'override' | 'agent';

/** Everything one agent conversation (one WebSocket) did. */
export interface ConversationStats extends FakeSessionStats<ConversationCloseCause> {
  readonly conversationId: string;
  readonly agentId: string;
  readonly connectedAt: number;
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
  audioEventsSent: number;
  pingsSent: number;
  pongsReceived: number;
  responses: number;
  interruptions: number;
  toolCallsIssued: number;
  toolResults: Array<{ tool_call_id: string; result: unknown; is_error?: boolean }>;
  contextualUpdates: string[];
  userMessages: string[];
  invalidMessages: string[];
}

export type FakeElevenLabsStats = StatsView<ElevenLabsStatsRecorder>;

export class ElevenLabsStatsRecorder {
  signedUrlRequests = 0;
  /** Signed-URL requests refused for a wrong or missing `xi-api-key`. */
  signedUrlRefusals = 0;
  /** Conversations refused (no or bad signature for a private agent, unknown agent). */
  conversationsRefused = 0;
  readonly conversations: ConversationStats[] = [];

  open(conversationId: string, agentId: string, protocols: string[], inputFormat: AudioFormatName, outputFormat: AudioFormatName): ConversationStats {
    const stats: ConversationStats = {
      ...newSessionStats(),
      conversationId,
      agentId,
      connectedAt: Date.now(),
      protocols,
      instructions: '',
      inputFormat,
      outputFormat,
      audioChunksReceived: 0,
      audioEventsSent: 0,
      pingsSent: 0,
      pongsReceived: 0,
      responses: 0,
      interruptions: 0,
      toolCallsIssued: 0,
      toolResults: [],
      contextualUpdates: [],
      userMessages: [],
      invalidMessages: [],
    };
    this.conversations.push(stats);
    return stats;
  }
}
