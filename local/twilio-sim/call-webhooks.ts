import { randomUUID } from 'node:crypto';
import { API_VERSION, first, rfc2822, sleep } from './format';
import type { StreamNoun } from './twiml';
import type { CallBehaviour, CallStatus, SimCall, StreamStats } from './types';
import { sendWebhook } from './webhooks';

const ASYNC_AMD_DELAY_MS = 500;
const PROGRESS_STATUSES: CallStatus[] = ['initiated', 'ringing', 'in-progress'];

/** The parameters Twilio puts on every voice webhook for this call. */
export function callParams(call: SimCall, status: CallStatus): Record<string, string> {
  return {
    AccountSid: call.accountSid,
    ApiVersion: API_VERSION,
    CallSid: call.sid,
    CallStatus: status,
    Called: call.to,
    Caller: call.from,
    Direction: 'outbound-api',
    From: call.from,
    To: call.to,
  };
}

/**
 * Everything a call tells the app on its own: status callbacks (sequenced, optionally duplicated or
 * reordered), async AMD, `<Stream statusCallback>` and recording status. Each delivery is recorded on the call.
 */
export class CallWebhooks {
  private sequence = 0;
  private heldCallback?: () => Promise<void>;
  private callbackQueue: Promise<void> = Promise.resolve();
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly call: SimCall,
    private readonly behaviour: CallBehaviour,
    private readonly authToken: string,
    private readonly shutdown: AbortSignal,
    private readonly log: (event: string, detail?: unknown) => void,
  ) {}

  /** Resolves once nothing is in flight (loops, since a delivery can be queued while waiting). */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
  }

  statusChanged(status: CallStatus, extra: Record<string, string> = {}): void {
    const url = first(this.call.params.StatusCallback);
    if (!url || !this.subscribedTo(status)) return;
    const sequenceNumber = this.sequence++;
    const params: Record<string, string> = {
      ...callParams(this.call, status),
      SequenceNumber: String(sequenceNumber),
      Timestamp: rfc2822(Date.now()),
      CallbackSource: 'call-progress-events',
      ...(this.call.answeredBy ? { AnsweredBy: this.call.answeredBy } : {}),
      ...extra,
    };
    const method = first(this.call.params.StatusCallbackMethod) ?? 'POST';
    const token = randomUUID();
    const deliver = async () => {
      const copies = this.behaviour.duplicateCallbacks ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        const attempts = await sendWebhook({ url, method, params, authToken: this.authToken, idempotencyToken: token, signal: this.shutdown });
        for (const [attempt, delivery] of attempts.entries()) {
          this.call.statusCallbacks.push({ ...delivery, sequenceNumber, callStatus: status, attempt, duplicate: copy > 0 });
          this.log('status-callback', { status, sequenceNumber, responseStatus: delivery.responseStatus, error: delivery.error });
        }
      }
    };
    if (!this.behaviour.reorderCallbacks) return this.queueCallback(deliver);
    // Swap each pair: the held callback goes out right after the one generated next.
    const held = this.heldCallback;
    this.heldCallback = undefined;
    if (held) return this.queueCallback(() => deliver().then(held));
    if (!PROGRESS_STATUSES.includes(status)) return this.queueCallback(deliver);
    this.heldCallback = deliver;
  }

  asyncAmd(answeredBy: string): void {
    const url = first(this.call.params.AsyncAmdStatusCallback);
    if (!url) return;
    const params = {
      AccountSid: this.call.accountSid,
      CallSid: this.call.sid,
      AnsweredBy: answeredBy,
      MachineDetectionDuration: String(ASYNC_AMD_DELAY_MS),
    };
    const method = first(this.call.params.AsyncAmdStatusCallbackMethod) ?? 'POST';
    this.track(sleep(ASYNC_AMD_DELAY_MS, this.shutdown).then(() => this.send('async-amd', url, method, params)));
  }

  streamEvent(stream: StreamNoun, stats: StreamStats, event: string, error?: string): void {
    if (!stream.statusCallback) return;
    const params: Record<string, string> = {
      AccountSid: this.call.accountSid,
      CallSid: this.call.sid,
      StreamSid: stats.streamSid,
      StreamName: stream.name ?? stats.streamSid,
      StreamEvent: event,
      Timestamp: new Date().toISOString(),
      ...(error ? { StreamError: error } : {}),
    };
    this.track(this.send('stream-status', stream.statusCallback, stream.statusCallbackMethod ?? 'POST', params));
  }

  recordingCompleted(recording: { sid: string; url: string }, duration: number): void {
    const url = first(this.call.params.RecordingStatusCallback);
    if (!url) return;
    const params = {
      AccountSid: this.call.accountSid,
      CallSid: this.call.sid,
      RecordingSid: recording.sid,
      RecordingUrl: recording.url,
      RecordingStatus: 'completed',
      RecordingDuration: String(duration),
      RecordingChannels: first(this.call.params.RecordingChannels) === 'dual' ? '2' : '1',
      RecordingStartTime: rfc2822(this.call.answeredAt ?? Date.now()),
      RecordingSource: 'OutboundAPI',
      RecordingTrack: first(this.call.params.RecordingTrack) ?? 'both',
      ErrorCode: '0',
    };
    const method = first(this.call.params.RecordingStatusCallbackMethod) ?? 'POST';
    this.track(this.send('recording-status', url, method, params));
  }

  private subscribedTo(status: CallStatus): boolean {
    const events = [this.call.params.StatusCallbackEvent ?? []]
      .flat()
      .flatMap((value) => value.split(/[\s,]+/))
      .map((event) => event.toLowerCase());
    if (status === 'initiated' || status === 'ringing') return events.includes(status);
    if (status === 'in-progress') return events.includes('answered');
    return true;
  }

  /** Status callbacks go out one after another, so tests see a deterministic order. */
  private queueCallback(deliver: () => Promise<void>): void {
    this.callbackQueue = this.callbackQueue.then(deliver).catch((error: unknown) => this.log('internal-error', String(error)));
    this.track(this.callbackQueue);
  }

  private async send(kind: string, url: string, method: string, params: Record<string, string>): Promise<void> {
    const attempts = await sendWebhook({ url, method, params, authToken: this.authToken, signal: this.shutdown });
    this.call.otherCallbacks.push(...attempts);
    for (const delivery of attempts) this.log(kind, { responseStatus: delivery.responseStatus, error: delivery.error });
  }

  private track(delivery: Promise<void>): void {
    const tracked = delivery.catch((error: unknown) => this.log('internal-error', String(error)));
    this.deliveries.add(tracked);
    void tracked.finally(() => this.deliveries.delete(tracked));
  }
}
