import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CallerAudio } from '../media-service/bridge/caller-audio';
import type { ProviderEvents, ProviderSession } from '../media-service/providers/types';

/** A session that only records the audio it is given. */
class RecordingSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  readonly audio: string[] = [];
  async connect(): Promise<void> {}
  sendAudio(payloadBase64: string): void {
    this.audio.push(payloadBase64);
  }
  requestResponse(): void {}
  sendText(): void {}
  async close(): Promise<void> {}
}

const frame = (n: number) => Buffer.alloc(160, n % 256).toString('base64');

describe('caller audio held while no model session can take it', () => {
  it('is bounded: at most 5 s of 20 ms frames, the first ones, in order', () => {
    const audio = new CallerAudio();
    for (let i = 0; i < 400; i++) audio.hear(frame(i), i * 20, 0n);
    const session = new RecordingSession();
    audio.relayTo(session);
    expect(session.audio).toEqual(Array.from({ length: 250 }, (_, i) => frame(i)));
  });

  it('is bounded in bytes too: oversized frames fill it sooner', () => {
    const audio = new CallerAudio();
    const big = Buffer.alloc(1600, 1).toString('base64');
    for (let i = 0; i < 100; i++) audio.hear(big, i * 200, 0n);
    const session = new RecordingSession();
    audio.relayTo(session);
    expect(session.audio.length).toBeLessThan(30);
    expect(session.audio.join('').length).toBeLessThanOrEqual(250 * 216);
  });

  it('is dropped on discard, and what follows goes straight to the session once there is one', () => {
    const audio = new CallerAudio();
    for (let i = 0; i < 10; i++) audio.hear(frame(i), i * 20, 0n);
    audio.discard();
    const session = new RecordingSession();
    audio.relayTo(session);
    audio.hear(frame(99), 200, 0n);
    expect(session.audio).toEqual([frame(99)]);
  });
});
