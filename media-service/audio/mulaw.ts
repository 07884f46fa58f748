import alawmulaw from 'alawmulaw';

const { mulaw } = alawmulaw;

/**
 * G.711 μ-law through lookup tables built once from `alawmulaw`'s sample codec: every caller
 * frame is decoded and every agent sample encoded, so each is one indexed load.
 */
const DECODE = new Int16Array(256);
for (let byte = 0; byte < 256; byte++) DECODE[byte] = mulaw.decodeSample(byte);

/** Indexed by the sample's 16-bit two's-complement pattern (`sample & 0xffff`). */
const ENCODE = new Uint8Array(65_536);
for (let bits = 0; bits < 65_536; bits++) ENCODE[bits] = mulaw.encodeSample((bits << 16) >> 16) & 0xff;

/** G.711 μ-law bytes (Twilio's 8 kHz telephony audio) to 16-bit linear PCM samples. */
export function mulawToPcm16(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(bytes.length);
  decodeMulawInto(bytes, bytes.length, samples);
  return samples;
}

/** 16-bit linear PCM samples to G.711 μ-law bytes. */
export function pcm16ToMulaw(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length);
  encodeMulawInto(samples, samples.length, bytes);
  return bytes;
}

/** Decodes the first `count` bytes into `out` (which must hold `count` samples). */
export function decodeMulawInto(bytes: Uint8Array, count: number, out: Int16Array): void {
  for (let i = 0; i < count; i++) out[i] = DECODE[bytes[i]!]!;
}

/** Encodes the first `count` samples into `out` (which must hold `count` bytes). */
export function encodeMulawInto(samples: Int16Array, count: number, out: Uint8Array): void {
  for (let i = 0; i < count; i++) out[i] = ENCODE[samples[i]! & 0xffff]!;
}
