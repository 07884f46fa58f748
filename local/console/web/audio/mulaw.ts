/** G.711 μ-law, the codec of Twilio's 8 kHz Media Streams. */

const BIAS = 0x84;
const CLIP = 32635;

/** One 16-bit linear sample to a μ-law byte. */
export function encodeMulawSample(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One μ-law byte to a 16-bit linear sample. */
export function decodeMulawSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** μ-law bytes to samples in [-1, 1]. */
export function decodeMulaw(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = decodeMulawSample(bytes[i]!) / 32768;
  return out;
}

/** The μ-law byte for silence: what Twilio sends while nobody speaks. */
export const MULAW_SILENCE = 0xff;
