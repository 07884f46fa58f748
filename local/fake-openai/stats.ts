import { newSessionStats, type FakeSessionStats, type StatsView } from '../fake-common/session-stats';
import type { AudioFormat } from './audio-format';

export type SessionCloseCause = 'client' | 'fault' | 'server';

/** Everything one realtime connection (one OpenAI session) did. */
export interface RealtimeSessionStats extends FakeSessionStats<SessionCloseCause> {
  readonly sessionId: string;
  readonly model: string;
  readonly connectedAt: number;
  instructions: string;
  toolNames: string[];
  inputFormat: AudioFormat;
  outputFormat: AudioFormat;
  sessionUpdates: number;
  /** `input_audio_buffer.append` events. */
  audioFramesReceived: number;
  audioFramesSent: number;
  responsesCreated: number;
  responsesCancelled: number;
  truncationsReceived: number;
  /** `conversation.item.retrieve` events answered. */
  itemsRetrieved: number;
  toolCallsIssued: number;
  toolOutputsReceived: number;
  errorsSent: number;
  /** Events sent that the protocol does not allow (fault injection). */
  malformedEventsSent: number;
}

export type FakeOpenAIStats = StatsView<StatsRecorder>;

export class StatsRecorder {
  connectionsOpened = 0;
  /** Upgrades refused for a wrong or missing API key. */
  connectionsRefused = 0;
  /** `POST /v1/chat/completions` and `POST /v1/responses` answered. */
  summaryRequests = 0;
  readonly bySessionId = new Map<string, RealtimeSessionStats>();

  /** Sessions in connection order. */
  get sessions(): RealtimeSessionStats[] {
    return [...this.bySessionId.values()];
  }

  openSession(sessionId: string, model: string, defaultFormat: AudioFormat): RealtimeSessionStats {
    this.connectionsOpened += 1;
    const session: RealtimeSessionStats = {
      ...newSessionStats(),
      sessionId,
      model,
      connectedAt: Date.now(),
      instructions: '',
      toolNames: [],
      inputFormat: defaultFormat,
      outputFormat: defaultFormat,
      sessionUpdates: 0,
      audioFramesReceived: 0,
      audioFramesSent: 0,
      responsesCreated: 0,
      responsesCancelled: 0,
      truncationsReceived: 0,
      itemsRetrieved: 0,
      toolCallsIssued: 0,
      toolOutputsReceived: 0,
      errorsSent: 0,
      malformedEventsSent: 0,
    };
    this.bySessionId.set(sessionId, session);
    return session;
  }
}
