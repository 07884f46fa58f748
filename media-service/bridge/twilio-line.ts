import type { WebSocket } from 'ws';
import { bridgeMetrics } from '../metrics';
import { BatchedSocketWriter } from '../socket-batching';
import type { TwilioOutbound } from '../twilio-stream';

/**
 * The Twilio side of the call: the Media Stream socket. Writes what Twilio accepts, records
 * the outbound and first-audio latencies, keeps the socket alive through long silences, and
 * closes the stream.
 */
export class TwilioLine {
  /** hrtime of the stream's start until the first agent audio frame is written, then 0. */
  #startedAtNs = 0n;
  readonly #writer: BatchedSocketWriter;

  /**
   * Pings the socket every `pingIntervalMs` until it closes: while the agent is silent nothing
   * else flows towards Twilio, and proxies on the way (CloudFront, the ALB) drop idle connections.
   */
  constructor(
    private readonly ws: WebSocket,
    pingIntervalMs: number,
  ) {
    this.#writer = new BatchedSocketWriter(ws);
    const pings = setInterval(() => {
      if (this.open) ws.ping();
    }, pingIntervalMs);
    ws.once('close', () => clearInterval(pings));
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** The stream started at `receivedAtNs`: the first agent audio after it is measured against it. */
  started(receivedAtNs: bigint): void {
    this.#startedAtNs = receivedAtNs;
  }

  /** Writes one message; agent audio carries the hrtime its model message arrived at. */
  send(message: TwilioOutbound, modelMessageAtNs?: bigint): void {
    if (!this.open) return;
    this.#writer.send(JSON.stringify(message));
    if (message.event !== 'media') return;
    if (modelMessageAtNs) bridgeMetrics.recordSince(bridgeMetrics.outbound, modelMessageAtNs);
    if (this.#startedAtNs) {
      bridgeMetrics.recordSince(bridgeMetrics.firstAudio, this.#startedAtNs);
      this.#startedAtNs = 0n;
    }
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }
}
