/**
 * The media service's one audio codec module: Twilio's μ-law 8 kHz ⇄ the 16-bit PCM that realtime
 * models speak, at whatever rate they speak it. Its exports:
 *
 *   mulawToPcm16(bytes) / pcm16ToMulaw(samples)   G.711 μ-law ⇄ PCM16 (8 kHz either way)
 *   pcm16ToBytes(samples) / bytesToPcm16(bytes)   PCM16 samples ⇄ little-endian bytes (wire form)
 *   resample(pcm, from, to)                       whole buffer, any integer rates, time-aligned
 *   new Resampler(from, to)                       streaming: .process(chunk) (or .processInto) per frame, .drain(), .flush(), .reset()
 *   new TwilioToPcm(rate).decode(b64)             the caller's side of one call (stateful)
 *     .decodeToBase64(b64)                        … straight to the models' wire form (base64 PCM16 LE),
 *                                                   optionally gathered into chunks of `batchMs`
 *   new PcmToTwilio(rate).encode(pcm)             the agent's side of one call (stateful), → μ-law bytes
 *     .encodeBase64(b64)                          … from the models' wire form straight to a Twilio payload
 *     .drain() / .flush()                         the held-back tail at a pause / at the end of a turn
 *
 * Resampling is a polyphase Kaiser-windowed sinc FIR (see resample.ts) with the telephone
 * channel's band split: flat to 0.85 of the lower Nyquist (3.4 kHz), ≥ 70 dB down from 1.15 of it
 * (4.6 kHz), unity gain, no dropped samples.
 * Pass the same Resampler (or use the stateful classes) for every chunk of one stream so the
 * filter history carries across chunk boundaries; a fresh one per chunk would click. Each
 * direction of each call needs its own. After a barge-in, `reset()` the agent-side one.
 */
import { endianness } from 'node:os';
import { decodeMulawInto, encodeMulawInto, mulawToPcm16, pcm16ToMulaw } from './mulaw';
import { Resampler } from './resample';

export { mulawToPcm16, pcm16ToMulaw } from './mulaw';
export { resample, Resampler, resamplerFilter, STOPBAND_DB, PASSBAND_FRACTION, STOPBAND_FRACTION } from './resample';

/** Twilio Media Streams audio: μ-law, 8 kHz, mono. */
export const TWILIO_SAMPLE_RATE = 8000;

const LITTLE_ENDIAN = endianness() === 'LE';

/** How many bytes a (valid) base64 string decodes to, without decoding it. */
export function base64ByteLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/** PCM16 samples as little-endian bytes (the wire form of `audio/pcm` / `pcm_16000` / LPCM). */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(samples.slice().buffer);
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, i * 2);
  return bytes;
}

/** Little-endian PCM16 bytes to samples; a trailing odd byte is ignored. */
export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const count = Math.floor(bytes.byteLength / 2);
  // A copy (Buffers are often views into a shared pool, and may be oddly aligned).
  if (LITTLE_ENDIAN) return new Int16Array(new Uint8Array(bytes.subarray(0, count * 2)).buffer);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.readInt16LE(i * 2);
  return samples;
}

/**
 * A reusable byte buffer with a PCM16 view over the same memory (its own ArrayBuffer, so the view
 * is aligned), grown when a larger chunk arrives. Converting a frame allocates only its strings.
 */
class Scratch {
  bytes = Buffer.alloc(0);
  samples = new Int16Array(0);

  /** At least `bytes` long (what it held is kept). */
  reserve(bytes: number): this {
    if (this.bytes.length < bytes) {
      const grown = Buffer.from(new ArrayBuffer(Math.max(bytes + (bytes % 2), 2 * this.bytes.length)));
      this.bytes.copy(grown);
      this.bytes = grown;
      this.samples = new Int16Array(grown.buffer, 0, grown.length / 2);
    }
    return this;
  }

  /** Decodes base64 into `bytes`; returns how many bytes it holds. */
  fromBase64(base64: string): number {
    return this.reserve(Math.ceil((base64.length * 3) / 4)).bytes.write(base64, 'base64');
  }

  /** The first `count` samples as base64 little-endian PCM16. */
  samplesToBase64(count: number): string {
    if (!LITTLE_ENDIAN) this.bytes.subarray(0, count * 2).swap16();
    return this.bytes.toString('base64', 0, count * 2);
  }
}

/**
 * The caller's audio for one call: Twilio payloads in, PCM16 at the model's input rate out.
 * With `batchMs`, `decodeToBase64` gathers Twilio's 20 ms frames and gives one chunk of at least
 * that much audio (for a protocol whose per-message cost is high), '' in between.
 */
export class TwilioToPcm {
  readonly #resampler: Resampler;
  readonly #mulaw = new Scratch();
  readonly #linear = new Scratch();
  readonly #pcm = new Scratch();
  readonly #batchSamples: number;
  /** Samples in `#pcm` not yet given out (batching). */
  #pending = 0;

  constructor(
    readonly rate: number,
    options: { batchMs?: number } = {},
  ) {
    this.#resampler = new Resampler(TWILIO_SAMPLE_RATE, rate);
    this.#batchSamples = Math.round((rate * (options.batchMs ?? 0)) / 1000);
  }

  /** One Twilio `media.payload` (base64 μ-law 8 kHz) as PCM16 at `rate`. */
  decode(payloadBase64: string): Int16Array {
    const pcm8k = mulawToPcm16(Buffer.from(payloadBase64, 'base64'));
    return this.rate === TWILIO_SAMPLE_RATE ? pcm8k : this.#resampler.process(pcm8k);
  }

  /** One Twilio payload as base64 little-endian PCM16 at `rate` (the models' wire form); '' while the filter fills or a batch gathers. */
  decodeToBase64(payloadBase64: string): string {
    const count = this.#mulaw.fromBase64(payloadBase64);
    const linear = this.#linear.reserve(count * 2).samples;
    decodeMulawInto(this.#mulaw.bytes, count, linear);
    const out = this.#pcm.reserve(2 * (this.#pending + this.#resampler.maxOutput(count)));
    this.#pending += this.#resampler.processInto(linear.subarray(0, count), out.samples.subarray(this.#pending));
    if (this.#pending === 0 || this.#pending < this.#batchSamples) return '';
    const chunk = out.samplesToBase64(this.#pending);
    this.#pending = 0;
    return chunk;
  }

  reset(): void {
    this.#resampler.reset();
    this.#pending = 0;
  }
}

/** The agent's audio for one call: PCM16 at the model's output rate in, μ-law 8 kHz bytes out. */
export class PcmToTwilio {
  readonly #resampler: Resampler;
  readonly #pcm = new Scratch();
  readonly #out = new Scratch();

  constructor(readonly rate: number) {
    this.#resampler = new Resampler(rate, TWILIO_SAMPLE_RATE);
  }

  encode(pcm: Int16Array): Uint8Array {
    return pcm16ToMulaw(this.#resampler.process(pcm));
  }

  /**
   * Model audio as it arrives (base64 little-endian PCM16 at `rate`) to one Twilio payload
   * (base64 μ-law 8 kHz); '' while the filter fills. A trailing odd byte is ignored.
   */
  encodeBase64(pcmBase64: string): string {
    const pcm = this.#pcm;
    const count = Math.floor(pcm.fromBase64(pcmBase64) / 2);
    if (!LITTLE_ENDIAN) pcm.bytes.subarray(0, count * 2).swap16();
    const out = this.#out.reserve(2 * this.#resampler.maxOutput(count));
    const written = this.#resampler.processInto(pcm.samples.subarray(0, count), out.samples);
    encodeMulawInto(out.samples, written, out.bytes);
    return out.bytes.toString('base64', 0, written);
  }

  /**
   * The held-back tail now, while the utterance may go on (the model's audio paused): see
   * `Resampler.drain`. Audio that follows continues where it ends.
   */
  drain(): Uint8Array {
    return pcm16ToMulaw(this.#resampler.drain());
  }

  /** The held-back tail of the current utterance (call at the end of a model turn). */
  flush(): Uint8Array {
    return pcm16ToMulaw(this.#resampler.flush());
  }

  /** Drops the held-back tail (barge-in: nothing of the old turn may play). */
  reset(): void {
    this.#resampler.reset();
  }
}
