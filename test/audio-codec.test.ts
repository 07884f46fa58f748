import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import {
  bytesToPcm16,
  mulawToPcm16,
  pcm16ToBytes,
  pcm16ToMulaw,
  PcmToTwilio,
  resample,
  Resampler,
  resamplerFilter,
  TwilioToPcm,
} from '../media-service/audio/codec';
import { decodeVoiceCode, encodeVoiceCode } from '../local/audio/voice-code';

const AMPLITUDE = 10_000;
/** Samples near the ends see the silence before and after the buffer; measure the middle. */
const EDGE_MS = 20;

type Signal = (t: number) => number;
const tone = (hz: number): Signal => (t) => AMPLITUDE * Math.sin(2 * Math.PI * hz * t);
/** Linear chirp from f0 to f1 over `seconds`. */
const sweep = (f0: number, f1: number, seconds: number): Signal => (t) =>
  AMPLITUDE * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * seconds)));

function render(signal: Signal, rate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(signal(i / rate));
  return out;
}

function middle(samples: ArrayLike<number>, rate: number): number[] {
  const edge = Math.round((rate * EDGE_MS) / 1000);
  return Array.from(samples).slice(edge, samples.length - edge);
}

/** SNR of `actual` against the ideal `signal` sampled at `rate`, over the middle of the buffer. */
function snrDb(actual: Int16Array, signal: Signal, rate: number): number {
  const ideal = middle(Array.from({ length: actual.length }, (_, i) => signal(i / rate)), rate);
  const got = middle(actual, rate);
  let power = 0;
  let noise = 0;
  ideal.forEach((value, i) => {
    power += value * value;
    noise += (got[i]! - value) ** 2;
  });
  return 10 * Math.log10(power / noise);
}

function rmsOf(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / samples.length);
}

/** How far below the input's level the output is, in dB (middle of the buffers). */
function attenuationDb(input: Int16Array, inRate: number, output: Int16Array, outRate: number): number {
  return 20 * Math.log10(rmsOf(middle(input, inRate)) / Math.max(rmsOf(middle(output, outRate)), 1e-9));
}

/** Goertzel magnitude of one frequency. */
function magnitude(samples: ArrayLike<number>, hz: number, rate: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2));
}

function chunked(resampler: Resampler, input: Int16Array, sizes: number[]): Int16Array {
  const parts: Int16Array[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    parts.push(resampler.process(input.subarray(at, at + size)));
    at += size;
  }
  parts.push(resampler.flush());
  return Int16Array.from(parts.flatMap((p) => Array.from(p)));
}

describe('resample: in-band signals survive (SNR ≥ 30 dB)', () => {
  const cases: Array<[string, Signal]> = [
    ['a 1 kHz tone', tone(1000)],
    ['a 300 Hz tone', tone(300)],
    ['a 3.3 kHz tone', tone(3300)],
    ['a 100 Hz → 3.4 kHz sweep', sweep(100, 3400, 1)],
  ];

  it.each(cases)('%s through 8k → 16k → 8k', (_name, signal) => {
    const input = render(signal, 8000, 1);
    const up = resample(input, 8000, 16_000);
    expect(up).toHaveLength(16_000);
    expect(snrDb(up, signal, 16_000)).toBeGreaterThanOrEqual(30);
    const back = resample(up, 16_000, 8000);
    expect(back).toHaveLength(8000);
    expect(snrDb(back, signal, 8000)).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s through 24k → 8k', (_name, signal) => {
    const out = resample(render(signal, 24_000, 1), 24_000, 8000);
    expect(out).toHaveLength(8000);
    expect(snrDb(out, signal, 8000)).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s through 8k → 24k and 16k → 24k', (_name, signal) => {
    expect(snrDb(resample(render(signal, 8000, 1), 8000, 24_000), signal, 24_000)).toBeGreaterThanOrEqual(30);
    expect(snrDb(resample(render(signal, 16_000, 1), 16_000, 24_000), signal, 24_000)).toBeGreaterThanOrEqual(30);
  });

  it('reports its numbers', () => {
    const rows = cases.map(([name, signal]) => {
      const input = render(signal, 8000, 1);
      const roundTrip = resample(resample(input, 8000, 16_000), 16_000, 8000);
      const down = resample(render(signal, 24_000, 1), 24_000, 8000);
      return `${name}: 8k→16k→8k ${snrDb(roundTrip, signal, 8000).toFixed(1)} dB, 24k→8k ${snrDb(down, signal, 8000).toFixed(1)} dB`;
    });
    console.info(`resampler SNR\n  ${rows.join('\n  ')}`);
  });
});

describe('resample: nothing above the target Nyquist aliases into the telephone band', () => {
  it.each([4500, 6000, 9000, 11_500])('a %i Hz tone, 24k → 8k', (hz) => {
    const input = render(tone(hz), 24_000, 1);
    const out = resample(input, 24_000, 8000);
    expect(attenuationDb(input, 24_000, out, 8000)).toBeGreaterThanOrEqual(40);
  });

  it.each([4500, 6000, 7800])('a %i Hz tone, 16k → 8k', (hz) => {
    const input = render(tone(hz), 16_000, 1);
    expect(attenuationDb(input, 16_000, resample(input, 16_000, 8000), 8000)).toBeGreaterThanOrEqual(40);
  });

  it('a 4.2 → 11.8 kHz sweep, 24k → 8k', () => {
    const input = render(sweep(4200, 11_800, 1), 24_000, 1);
    const out = resample(input, 24_000, 8000);
    const db = attenuationDb(input, 24_000, out, 8000);
    console.info(`24k→8k: out-of-band sweep attenuated ${db.toFixed(1)} dB`);
    expect(db).toBeGreaterThanOrEqual(40);
  });

  it('a 4.6 → 11.8 kHz sweep (the stopband), 24k → 8k and 16k → 8k, comes out ≥ 65 dB down', () => {
    for (const rate of [24_000, 16_000]) {
      const input = render(sweep(4600, Math.min(11_800, rate / 2 - 200), 1), rate, 1);
      const db = attenuationDb(input, rate, resample(input, rate, 8000), 8000);
      console.info(`${rate / 1000}k→8k: stopband sweep attenuated ${db.toFixed(1)} dB`);
      expect(db).toBeGreaterThanOrEqual(65);
    }
  });

  it('a 4.3 kHz tone (transition band) folds to 3.7 kHz, above the telephone band, never below 3.4 kHz', () => {
    const out = middle(resample(render(tone(4300), 24_000, 1), 24_000, 8000), 8000);
    for (const hz of [300, 1000, 2000, 3000, 3400]) expect(magnitude(out, hz, 8000)).toBeLessThan(magnitude(out, 3700, 8000) / 100);
  });

  it('8k → 16k leaves no image of a 3 kHz tone at 5 kHz', () => {
    const out = resample(render(tone(3000), 8000, 1), 8000, 16_000);
    const body = middle(out, 16_000);
    const db = 20 * Math.log10(magnitude(body, 3000, 16_000) / magnitude(body, 5000, 16_000));
    console.info(`8k→16k: image of 3 kHz at 5 kHz is ${db.toFixed(1)} dB down`);
    expect(db).toBeGreaterThanOrEqual(40);
  });

  it('a tone at 3.4 kHz, just inside the telephone band, keeps its level through 24k → 8k', () => {
    const input = render(tone(3400), 24_000, 1);
    expect(Math.abs(attenuationDb(input, 24_000, resample(input, 24_000, 8000), 8000))).toBeLessThan(0.1);
  });
});

describe('Resampler: the polyphase filter is the plain convolution', () => {
  it.each([
    [8000, 16_000],
    [24_000, 8000],
    [16_000, 8000],
    [8000, 24_000],
    [22_050, 8000],
  ])('%i → %i: every output sample is Σ taps · the zero-stuffed input, to rounding', (from, to) => {
    const input = render(sweep(100, Math.min(from, to) / 2 - 100, 0.05), from, 0.05);
    const { up, down, half, taps } = resamplerFilter(from, to);
    const out = resample(input, from, to);
    for (let n = 0; n < out.length; n++) {
      let sum = 0;
      for (let k = -half; k <= half; k++) {
        const m = n * down - k;
        if (m % up === 0 && m >= 0 && m / up < input.length) sum += taps[k + half]! * input[m / up]!;
      }
      expect(Math.abs(out[n]! - Math.max(-32_768, Math.min(32_767, sum)))).toBeLessThanOrEqual(0.5 + 1e-6);
    }
  });

  it('the providers’ filters use the shortcuts: symmetric branches, and a 2× half-band branch of one tap', () => {
    expect(resamplerFilter(24_000, 8000).symmetric).toEqual([true]);
    const up2 = resamplerFilter(8000, 16_000);
    expect(up2.symmetric).toEqual([true, true]);
    expect(up2.branches.map((b) => b.length).sort((a, b) => a - b)[0]).toBe(1);
  });
});

describe('resamplerFilter: which rate pairs it designs a filter for', () => {
  // Every format the providers name (ElevenLabs' pcm_8000 … pcm_48000, Gemini's 24 kHz, Nova's 8/16/24 kHz), both ways.
  const STANDARD_RATES = [8000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

  it.each(STANDARD_RATES)('Twilio 8 kHz ⇄ %i Hz', (rate) => {
    expect(resamplerFilter(rate, 8000).taps.length).toBeGreaterThan(0);
    expect(resamplerFilter(8000, rate).taps.length).toBeGreaterThan(0);
  });

  it('refuses, before designing anything, a pair whose filter would be huge (a rate a model announced by mistake)', () => {
    // 24 001 Hz has no common factor with 8 kHz: the filter would run at 192 MHz with millions of taps.
    for (const [from, to] of [[24_001, 8000], [8000, 16_001], [8001, 8000]] as const) {
      expect(() => resamplerFilter(from, to)).toThrow(new RangeError(`unsupported sample-rate pair ${from} → ${to} Hz`));
    }
    expect(() => new PcmToTwilio(24_001)).toThrow(/unsupported sample-rate pair/);
  });
});

describe('Resampler: streaming', () => {
  it.each([
    [8000, 16_000, [160]],
    [16_000, 8000, [320]],
    [24_000, 8000, [480]],
    [8000, 24_000, [160]],
    [24_000, 8000, [1, 7, 333, 2400, 13]],
    [22_050, 8000, [441, 100]],
  ])('%i → %i in chunks of %j equals the whole-buffer result', (from, to, sizes) => {
    const input = render(sweep(100, Math.min(from, to) / 2 - 200, 0.5), from, 0.5);
    const whole = resample(input, from, to);
    expect(whole).toHaveLength(Math.ceil((input.length * to) / from));
    expect(chunked(new Resampler(from, to), input, sizes)).toEqual(whole);
  });

  it('holds back only its latency while streaming, and reset() starts a new stream', () => {
    const resampler = new Resampler(24_000, 8000);
    expect(resampler.latencyMs).toBeGreaterThan(0);
    expect(resampler.latencyMs).toBeLessThan(10);
    const first = resampler.process(render(tone(1000), 24_000, 0.02));
    expect(160 - first.length).toBeLessThanOrEqual(Math.ceil((resampler.latencyMs * 8000) / 1000));
    resampler.reset();
    const input = render(tone(440), 24_000, 0.1);
    expect(chunked(resampler, input, [480])).toEqual(resample(input, 24_000, 8000));
  });

  it.each([16_000, 24_000])('drain() at a pause (%i → 8000): exactly the flushed tail if the stream ends there; if it goes on, the same length and every 20 ms frame ≥ 45 dB of the undrained result', (from) => {
    // A voice-like signal: 150 Hz harmonics, the upper ones falling off, swelling at 3 Hz.
    const voice: Signal = (t) =>
      (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)) *
      Array.from({ length: 20 }, (_, h) => Math.sin(2 * Math.PI * 150 * (h + 1) * t + h) * Math.min(1, 900 / (150 * (h + 1)))).reduce((a, b) => a + b) *
      2500;
    const input = render(voice, from, 1);
    const exact = resample(input, from, 8000);

    const ending = new Resampler(from, 8000);
    const head = ending.process(input);
    const tail = ending.drain();
    expect(tail.length).toBeGreaterThan(0);
    expect(Int16Array.from([...head, ...tail])).toEqual(exact);
    expect(ending.flush()).toHaveLength(0);

    // Drained after every 100 ms chunk, as if the model paused after each.
    const pausing = new Resampler(from, 8000);
    const parts: number[] = [];
    for (let at = 0; at < input.length; at += from / 10) parts.push(...pausing.process(input.subarray(at, at + from / 10)), ...pausing.drain());
    parts.push(...pausing.flush());
    expect(parts).toHaveLength(exact.length);
    for (let frame = 0; frame < exact.length; frame += 160) {
      let power = 0;
      let noise = 0;
      for (let i = frame; i < frame + 160; i++) {
        power += exact[i]! ** 2;
        noise += (parts[i]! - exact[i]!) ** 2;
      }
      // μ-law itself keeps speech at about 38 dB.
      if (noise > 0) expect(10 * Math.log10(power / noise)).toBeGreaterThanOrEqual(45);
    }
  });

  it('a 20 ms-chunked tone has no clicks at chunk boundaries', () => {
    const signal = tone(1000);
    const out = chunked(new Resampler(24_000, 8000), render(signal, 24_000, 1), [480]);
    const worst = middle(out, 8000).reduce((max, value, i) => Math.max(max, Math.abs(value - signal((i + 160) / 8000))), 0);
    expect(worst).toBeLessThan(AMPLITUDE * 0.01);
  });
});

describe('μ-law tables', () => {
  it('encode every 16-bit sample and decode every byte as the G.711 reference codec does', () => {
    const all = new Int16Array(65_536);
    for (let i = 0; i < all.length; i++) all[i] = i - 32_768;
    expect(pcm16ToMulaw(all)).toEqual(alawmulaw.mulaw.encode(all));
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(mulawToPcm16(bytes)).toEqual(alawmulaw.mulaw.decode(bytes));
    expect([...mulawToPcm16(Uint8Array.from([0xff, 0x7f, 0x80, 0x00]))]).toEqual([0, 0, 32_124, -32_124]);
  });
});

describe('Twilio helpers', () => {
  it('PCM16 ⇄ little-endian bytes', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const bytes = pcm16ToBytes(samples);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    expect(bytesToPcm16(bytes)).toEqual(samples);
    expect(bytesToPcm16(Buffer.concat([bytes, Buffer.from([7])]))).toEqual(samples);
  });

  it('a caller tone: Twilio payloads → 16 kHz PCM, 20 ms at a time, SNR ≥ 30 dB (μ-law included)', () => {
    const signal = tone(700);
    const mulaw = Buffer.from(pcm16ToMulaw(render(signal, 8000, 1)));
    const decoder = new TwilioToPcm(16_000);
    const parts: number[] = [];
    for (let at = 0; at < mulaw.length; at += 160) parts.push(...decoder.decode(mulaw.subarray(at, at + 160).toString('base64')));
    const latency = Math.round((new Resampler(8000, 16_000).latencyMs * 16_000) / 1000);
    const aligned = Int16Array.from(parts.slice(0, 16_000 - latency));
    expect(snrDb(aligned, signal, 16_000)).toBeGreaterThanOrEqual(30);
  });

  it('the base64 paths give the same audio as the sample paths, frame after frame', () => {
    const caller = Buffer.from(pcm16ToMulaw(render(sweep(200, 3400, 0.5), 8000, 0.5)));
    const samples = new TwilioToPcm(16_000);
    const wire = new TwilioToPcm(16_000);
    for (let at = 0; at < caller.length; at += 160) {
      const payload = caller.subarray(at, at + 160).toString('base64');
      expect(wire.decodeToBase64(payload)).toBe(pcm16ToBytes(samples.decode(payload)).toString('base64'));
    }
    const agent = render(sweep(200, 11_000, 0.5), 24_000, 0.5);
    const bySamples = new PcmToTwilio(24_000);
    const byWire = new PcmToTwilio(24_000);
    // Chunks of odd sizes, as model messages come; the last one carries a stray odd byte.
    for (const [at, size] of [[0, 2400], [2400, 77], [2477, 4800], [7277, 4723]] as const) {
      const chunk = agent.subarray(at, at + size);
      const bytes = at === 7277 ? Buffer.concat([pcm16ToBytes(chunk), Buffer.from([9])]) : pcm16ToBytes(chunk);
      expect(byWire.encodeBase64(bytes.toString('base64'))).toBe(Buffer.from(bySamples.encode(chunk)).toString('base64'));
    }
    expect(byWire.flush()).toEqual(bySamples.flush());
  });

  it('batched caller audio: the same samples, in chunks of at least batchMs, every other 20 ms frame', () => {
    const caller = Buffer.from(pcm16ToMulaw(render(sweep(200, 3400, 0.5), 8000, 0.5)));
    const single = new TwilioToPcm(16_000);
    const batched = new TwilioToPcm(16_000, { batchMs: 40 });
    const singles: Buffer[] = [];
    const chunks: Buffer[] = [];
    for (let at = 0; at < caller.length; at += 160) {
      const payload = caller.subarray(at, at + 160).toString('base64');
      singles.push(Buffer.from(single.decodeToBase64(payload), 'base64'));
      const chunk = batched.decodeToBase64(payload);
      if (chunk) chunks.push(Buffer.from(chunk, 'base64'));
    }
    expect(chunks.length).toBe(Math.floor(caller.length / 160 / 2));
    for (const chunk of chunks) expect(chunk.length).toBeGreaterThanOrEqual(2 * 640);
    const sent = Buffer.concat(chunks);
    expect(sent.equals(Buffer.concat(singles).subarray(0, sent.length))).toBe(true);
  });

  it('agent speech at 24 kHz reaches the callee intact: 20 ms chunks → μ-law 8 kHz → decoded', () => {
    const text = 'Hi, this is Ava from Northwind Dental.';
    const pcm = encodeVoiceCode(text, 24_000);
    const encoder = new PcmToTwilio(24_000);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < pcm.length; at += 480) parts.push(encoder.encode(pcm.subarray(at, at + 480)));
    parts.push(encoder.flush());
    const mulaw = Buffer.concat(parts);
    expect(mulaw.length).toBe(Math.ceil(pcm.length / 3));
    expect(decodeVoiceCode(mulawToPcm16(mulaw), 8000)).toBe(text);
  });
});
