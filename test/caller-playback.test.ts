import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulawToPcm16, pcm16ToMulaw } from '../media-service/audio/codec';
import { CallerPlayback, type PlaybackEvents } from '../media-service/playback/caller-playback';
import { LocalBargeIn } from '../media-service/providers/barge-in';
import { outbound, type TwilioOutbound } from '../media-service/twilio-stream';

const frame = (ms: number, byte = 0x10) => new Uint8Array(ms * 8).fill(byte);
const speech = Buffer.from(pcm16ToMulaw(Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin(i / 3))))).toString('base64');
const silence = Buffer.alloc(160, 0xff).toString('base64');

function playback() {
  const sent: TwilioOutbound[] = [];
  const interrupted: PlaybackEvents['interrupted'][0][] = [];
  const owner = new CallerPlayback({ streamSid: 'MZ1', send: (message) => sent.push(message) });
  owner.on('interrupted', (info) => interrupted.push(info));
  const marks = () => sent.filter((m) => m.event === 'mark').map((m) => (m as { mark: { name: string } }).mark.name);
  return { owner, sent, interrupted, marks };
}

describe('CallerPlayback: what the caller has heard', () => {
  it('sends each chunk as media + mark and counts what played from the echoes', () => {
    const { owner, sent, marks } = playback();
    owner.startResponse();
    owner.play(frame(100));
    owner.play(frame(60));
    expect(sent.map((m) => m.event)).toEqual(['media', 'mark', 'media', 'mark']);
    expect(sent[0]).toEqual(outbound.media('MZ1', Buffer.from(frame(100)).toString('base64')));
    expect(owner.markPlayed(marks()[0]!)).toBe(true);
    expect(owner.markPlayed('someone-else')).toBe(false);
    expect(owner.report).toEqual({ playedMs: 100, sentMs: 160 });
    expect(owner.playing).toBe(true);
    expect(owner.markPlayed(marks()[1]!)).toBe(true);
    expect(owner.playing).toBe(false);
  });

  it('barge-in clears the queue, reports what was heard, and the cleared marks no longer count', () => {
    const { owner, sent, interrupted, marks } = playback();
    owner.startResponse();
    owner.play(frame(100));
    owner.play(frame(60));
    owner.markPlayed(marks()[0]!);
    expect(owner.interrupt()).toEqual({ playedMs: 100, sentMs: 160 });
    expect(sent.at(-1)).toEqual(outbound.clear('MZ1'));
    expect(interrupted).toEqual([{ by: 'model', heard: { playedMs: 100, sentMs: 160 } }]);
    expect(owner.markPlayed(marks()[1]!)).toBe(false);
    expect(owner.report).toEqual({ playedMs: 0, sentMs: 0 });
  });

  it('sends no clear when nothing is queued', () => {
    const { owner, sent, interrupted } = playback();
    owner.interrupt();
    expect(sent).toEqual([]);
    expect(interrupted).toEqual([]);
  });

  it('finished() waits for every echo, and also ends on clear or when the stream ends', async () => {
    const { owner, marks } = playback();
    await owner.finished();
    owner.play(frame(20));
    owner.play(frame(20));
    let done = false;
    const finished = owner.finished().then(() => (done = true));
    owner.markPlayed(marks()[0]!);
    await Promise.resolve();
    expect(done).toBe(false);
    owner.markPlayed(marks()[1]!);
    await finished;

    owner.play(frame(20));
    const cleared = owner.finished();
    owner.interrupt();
    await cleared;

    owner.play(frame(20));
    const ended = owner.finished();
    owner.streamEnded();
    await ended;
    owner.play(frame(20));
    expect(owner.playing).toBe(false);
  });

  it('clears speech the caller talks over once its generation has finished, but not while it is generated', () => {
    const { owner, sent, interrupted } = playback();
    owner.startResponse();
    owner.play(frame(2_000));
    for (let i = 0; i < 20; i++) owner.hearCaller(speech);
    expect(interrupted).toEqual([]);
    owner.endResponse();
    for (let i = 0; i < 12; i++) owner.hearCaller(speech);
    expect(interrupted).toEqual([{ by: 'caller', heard: { playedMs: 0, sentMs: 2_000 } }]);
    expect(sent.filter((m) => m.event === 'clear')).toHaveLength(1);
  });

  it('keypad tones and audio an SDK relays are not cleared by the caller talking', () => {
    const tones = playback();
    tones.owner.playTones(frame(500));
    for (let i = 0; i < 20; i++) tones.owner.hearCaller(speech);
    expect(tones.interrupted).toEqual([]);

    const relayed = playback();
    const echoed: string[] = [];
    relayed.owner.on('mark', (name) => echoed.push(name));
    relayed.owner.relay(outbound.media('MZ1', Buffer.from(frame(500)).toString('base64')));
    relayed.owner.relay(outbound.mark('MZ1', 'item_1:1'));
    for (let i = 0; i < 20; i++) relayed.owner.hearCaller(speech);
    expect(relayed.interrupted).toEqual([]);
    expect(relayed.owner.markPlayed('item_1:1')).toBe(true);
    expect(echoed).toEqual(['item_1:1']);
    // The SDK's own clear goes out as it is, and counts as the model's barge-in.
    relayed.owner.relay(outbound.mark('MZ1', 'item_1:2'));
    relayed.owner.relay(outbound.clear('MZ1'));
    expect(relayed.sent.at(-1)).toEqual(outbound.clear('MZ1'));
    expect(relayed.interrupted.map((i) => i.by)).toEqual(['model']);
  });
});

describe('LocalBargeIn', () => {
  it('fires once after 200 ms of caller speech over playing audio', () => {
    const detector = new LocalBargeIn();
    const results = Array.from({ length: 12 }, () => detector.hear(speech, true));
    expect(results.indexOf(true)).toBe(9);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('ignores speech when nothing plays, and silence or a short blip over playing audio', () => {
    const detector = new LocalBargeIn();
    expect(Array.from({ length: 20 }, () => detector.hear(speech, false)).some(Boolean)).toBe(false);
    const blips = [speech, speech, speech, silence, silence, silence, silence, silence, silence, silence, silence, silence, silence, silence, silence];
    expect(blips.map((f) => detector.hear(f, true)).some(Boolean)).toBe(false);
  });

  it('decides exactly as decoding every frame to PCM would, whatever the frames and the playing state', () => {
    /** The detector as first written: each frame decoded to PCM, a list of the last 15 verdicts. */
    const reference = () => {
      let recent: boolean[] = [];
      return (payload: string, playing: boolean): boolean => {
        if (!playing) {
          recent = [];
          return false;
        }
        const samples = mulawToPcm16(Buffer.from(payload, 'base64'));
        let sum = 0;
        for (const s of samples) sum += s * s;
        recent.push(samples.length > 0 && Math.sqrt(sum / samples.length) >= 1000);
        if (recent.length > 15) recent.shift();
        if (recent.filter(Boolean).length < 10) return false;
        recent = [];
        return true;
      };
    };
    const frameArb = fc.oneof(
      fc.constantFrom(speech, silence, ''),
      fc.uint8Array({ minLength: 0, maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('base64')),
      fc.integer({ min: 0, max: 255 }).map((byte) => Buffer.alloc(160, byte).toString('base64')),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(frameArb, fc.oneof(fc.constant(true), fc.constant(true), fc.constant(true), fc.constant(false))), { maxLength: 80 }), (frames) => {
        const detector = new LocalBargeIn();
        const expected = reference();
        for (const [payload, playing] of frames) expect(detector.hear(payload, playing)).toBe(expected(payload, playing));
      }),
    );
  });
});
