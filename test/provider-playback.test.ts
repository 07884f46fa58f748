import { describe, expect, it } from 'vitest';
import { pcm16ToMulaw } from '../media-service/audio/codec';
import { LocalBargeIn } from '../media-service/providers/barge-in';
import { TwilioPlayback } from '../media-service/providers/playback';
import type { TwilioOutbound } from '../media-service/twilio-stream';

const frame = (ms: number, byte = 0x10) => new Uint8Array(ms * 8).fill(byte);

describe('TwilioPlayback', () => {
  it('holds audio until the stream starts, then sends media + mark pairs in order', () => {
    const sent: TwilioOutbound[] = [];
    const playback = new TwilioPlayback((m) => sent.push(m), 'p');
    playback.play(frame(40));
    expect(sent).toEqual([]);
    expect(playback.playing).toBe(true);
    playback.streamStarted('MZ1');
    playback.play(frame(20));
    expect(sent.map((m) => m.event)).toEqual(['media', 'mark', 'media', 'mark']);
    expect(sent[0]).toEqual({ event: 'media', streamSid: 'MZ1', media: { payload: Buffer.from(frame(40)).toString('base64') } });
    expect(sent[1]).toEqual({ event: 'mark', streamSid: 'MZ1', mark: { name: 'p-1' } });
  });

  it('counts what played from mark echoes, and barge-in clears and reports it', () => {
    const sent: TwilioOutbound[] = [];
    const playback = new TwilioPlayback((m) => sent.push(m), 'p');
    playback.streamStarted('MZ1');
    playback.startResponse();
    playback.play(frame(100));
    playback.play(frame(60));
    expect(playback.markPlayed('p-1')).toBe(true);
    expect(playback.markPlayed('someone-else')).toBe(false);
    expect(playback.report).toEqual({ playedMs: 100, sentMs: 160 });
    expect(playback.interrupt()).toEqual({ playedMs: 100, sentMs: 160 });
    expect(sent.at(-1)).toEqual({ event: 'clear', streamSid: 'MZ1' });
    // Twilio echoes the cleared mark; it no longer counts.
    expect(playback.markPlayed('p-2')).toBe(false);
    expect(playback.playing).toBe(false);
    expect(playback.report).toEqual({ playedMs: 0, sentMs: 0 });
  });

  it('sends no clear when nothing is queued', () => {
    const sent: TwilioOutbound[] = [];
    const playback = new TwilioPlayback((m) => sent.push(m));
    playback.streamStarted('MZ1');
    playback.interrupt();
    expect(sent).toEqual([]);
  });
});

describe('LocalBargeIn', () => {
  const speech = Buffer.from(pcm16ToMulaw(Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin(i / 3))))).toString('base64');
  const silence = Buffer.alloc(160, 0xff).toString('base64');

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
});
