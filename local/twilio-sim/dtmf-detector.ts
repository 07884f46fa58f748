import { mulawToPcm16 } from '../../media-service/audio/mulaw';

/**
 * The far end's keypad-tone detector (an IVR listening for "press 1"): Goertzel power at the
 * eight DTMF frequencies over each 20 ms frame; a key counts once its row and column tones
 * dominate the frame for two frames in a row, and again only after a gap.
 */

const SAMPLE_RATE = 8000;
const ROWS = [697, 770, 852, 941];
const COLUMNS = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];
/** Share of the frame's energy the two tones must carry (speech and single tones carry far less). */
const DOMINANCE = 0.6;
const MIN_RMS = 500;
const FRAMES_TO_CONFIRM = 2;
/** 8 dB: the most one tone of a key may outweigh the other. */
const MAX_TWIST = 6.3;

export class DtmfDetector {
  private candidate: string | undefined;
  private frames = 0;
  private reported = false;

  constructor(private readonly onDigit: (digit: string) => void) {}

  /** One played frame of μ-law (or nothing played). */
  hear(mulaw: Uint8Array | undefined): void {
    const digit = mulaw ? detect(mulawToPcm16(mulaw)) : undefined;
    if (digit !== this.candidate) {
      this.candidate = digit;
      this.frames = 0;
      this.reported = false;
    }
    if (!digit) return;
    this.frames += 1;
    if (this.frames >= FRAMES_TO_CONFIRM && !this.reported) {
      this.reported = true;
      this.onDigit(digit);
    }
  }
}

function detect(samples: Int16Array): string | undefined {
  let energy = 0;
  for (const s of samples) energy += s * s;
  if (samples.length === 0 || Math.sqrt(energy / samples.length) < MIN_RMS) return undefined;
  const rowPowers = ROWS.map((hz) => power(samples, hz));
  const columnPowers = COLUMNS.map((hz) => power(samples, hz));
  const row = strongest(rowPowers);
  const column = strongest(columnPowers);
  // Goertzel power of a pure tone of amplitude A over N samples is about (A·N/2)²; total energy about A²·N/2.
  const rowPower = rowPowers[row]!;
  const columnPower = columnPowers[column]!;
  const tonesEnergy = ((rowPower + columnPower) * 2) / samples.length;
  if (tonesEnergy < DOMINANCE * energy) return undefined;
  // A key is two tones of similar strength; one strong tone with leakage (a beep, voice) is not.
  if (rowPower > MAX_TWIST * columnPower || columnPower > MAX_TWIST * rowPower) return undefined;
  return KEYPAD[row]![column];
}

function strongest(powers: number[]): number {
  return powers.reduce((best, p, i) => (p > powers[best]! ? i : best), 0);
}

function power(samples: Int16Array, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (const sample of samples) {
    const s0 = sample + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}
