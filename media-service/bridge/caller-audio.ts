import { bridgeMetrics } from '../metrics';
import type { ProviderSession } from '../providers/types';

/** Caller audio held while the model connects: 5 s of 20 ms frames, and no more bytes than that (base64 μ-law). */
const MAX_HELD_FRAMES = 250;
const MAX_HELD_BYTES = MAX_HELD_FRAMES * 216;

interface Frame {
  payload: string;
  timestampMs: number | undefined;
}

/**
 * The caller's audio on its way to the model. Frames go to the model session as they arrive;
 * while no session is ready (the stream's token being checked, the model connecting or
 * reconnecting) they are held, a few seconds and a few kilobytes at most, so the caller's first
 * words are not lost.
 */
export class CallerAudio {
  #session: ProviderSession | undefined;
  readonly #held: Frame[] = [];
  #heldBytes = 0;

  /** One Twilio frame, handed over at `receivedAtNs` (hrtime). */
  hear(payload: string, timestampMs: number | undefined, receivedAtNs: bigint): void {
    if (this.#session) {
      this.#session.sendAudio(payload, timestampMs);
      bridgeMetrics.recordSince(bridgeMetrics.inbound, receivedAtNs);
    } else if (this.#held.length < MAX_HELD_FRAMES && this.#heldBytes + payload.length <= MAX_HELD_BYTES) {
      this.#held.push({ payload, timestampMs });
      this.#heldBytes += payload.length;
    }
  }

  /** The session is ready: it gets what was held, then every frame as it comes. */
  relayTo(session: ProviderSession): void {
    this.#session = session;
    for (const frame of this.#held.splice(0)) session.sendAudio(frame.payload, frame.timestampMs);
    this.#heldBytes = 0;
  }

  /** No session can take audio now; hold it. */
  hold(): void {
    this.#session = undefined;
  }

  /** What is held will never be sent (the stream was refused). */
  discard(): void {
    this.#held.length = 0;
    this.#heldBytes = 0;
  }
}
