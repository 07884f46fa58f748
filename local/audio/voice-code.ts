/**
 * "Voice code": the embedded stack's stand-in for speech. A simulated speaker turns a
 * sentence into audio that carries the sentence itself as binary FSK tones (a modem
 * burst shaped like a spoken phrase: a few seconds of energy, then silence). The fake
 * model servers decode what they actually receive into the "transcript", so every
 * transcript in a test is the product of real audio crossing real sockets, through
 * μ-law and any resampling on the way. Audio that does not decode (a microphone, a
 * clip) still counts as speech for VAD; its transcript is then unknown.
 *
 * Frame: 120 ms lead tone, then bits at 100 baud (MARK = 1, SPACE = 0), LSB first:
 * length byte, UTF-8 bytes, XOR checksum byte.
 */

const LEAD_HZ = 600;
const MARK_HZ = 1200;
const SPACE_HZ = 2200;
const BAUD = 100;
const LEAD_MS = 120;
const AMPLITUDE = 9000;
const MAX_BYTES = 255;

/** Encodes `text` as 16-bit PCM at `sampleRate` (8000 for Twilio). */
export function encodeVoiceCode(text: string, sampleRate = 8000): Int16Array {
  const payload = Buffer.from(text, 'utf8').subarray(0, MAX_BYTES);
  const checksum = payload.reduce((acc, b) => acc ^ b, payload.length);
  const bytes = [payload.length, ...payload, checksum];
  const samplesPerBit = sampleRate / BAUD;
  const leadSamples = Math.round((sampleRate * LEAD_MS) / 1000);
  const out = new Int16Array(leadSamples + bytes.length * 8 * samplesPerBit);
  let phase = 0;
  const tone = (hz: number, start: number, count: number) => {
    for (let i = 0; i < count; i++) {
      phase += (2 * Math.PI * hz) / sampleRate;
      out[start + i] = Math.round(AMPLITUDE * Math.sin(phase));
    }
  };
  tone(LEAD_HZ, 0, leadSamples);
  let cursor = leadSamples;
  for (const byte of bytes) {
    for (let bit = 0; bit < 8; bit++) {
      tone((byte >> bit) & 1 ? MARK_HZ : SPACE_HZ, cursor, samplesPerBit);
      cursor += samplesPerBit;
    }
  }
  return out;
}

/** Duration of the encoded form of `text`, in milliseconds. */
export function voiceCodeDurationMs(text: string): number {
  const bytes = Math.min(Buffer.byteLength(text, 'utf8'), MAX_BYTES) + 2;
  return LEAD_MS + (bytes * 8 * 1000) / BAUD;
}

/** Goertzel power of one frequency over `samples[start, start+count)`. */
function tonePower(samples: Int16Array, start: number, count: number, hz: number, sampleRate: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < start + count; i++) {
    const s0 = (samples[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/**
 * Finds and decodes the first voice-code burst in `samples` (16-bit PCM at `sampleRate`).
 * Returns undefined when there is none or its checksum does not match.
 */
export function decodeVoiceCode(samples: Int16Array, sampleRate = 8000): string | undefined {
  const onsetThreshold = AMPLITUDE / 3;
  const onset = samples.findIndex((s) => Math.abs(s) > onsetThreshold);
  if (onset < 0) return undefined;
  // The lead tone starts at a zero crossing; back up to the sample where it began.
  const start = Math.max(0, onset - Math.ceil(sampleRate / LEAD_HZ / 4));
  const samplesPerBit = sampleRate / BAUD;
  const window = Math.floor(samplesPerBit * 0.75);
  const margin = Math.floor((samplesPerBit - window) / 2);
  const dataStart = start + Math.round((sampleRate * LEAD_MS) / 1000);
  const readByte = (index: number): number | undefined => {
    let value = 0;
    for (let bit = 0; bit < 8; bit++) {
      const at = Math.round(dataStart + (index * 8 + bit) * samplesPerBit) + margin;
      if (at + window > samples.length) return undefined;
      const mark = tonePower(samples, at, window, MARK_HZ, sampleRate);
      const space = tonePower(samples, at, window, SPACE_HZ, sampleRate);
      if (mark > space) value |= 1 << bit;
    }
    return value;
  };
  const length = readByte(0);
  if (length === undefined) return undefined;
  const payload: number[] = [];
  for (let i = 1; i <= length; i++) {
    const byte = readByte(i);
    if (byte === undefined) return undefined;
    payload.push(byte);
  }
  const checksum = readByte(length + 1);
  if (checksum !== payload.reduce((acc, b) => acc ^ b, length)) return undefined;
  return Buffer.from(payload).toString('utf8');
}
