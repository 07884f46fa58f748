/** Kernel samples per input sample in the lookup table. */
const TABLE_RESOLUTION = 512;

/**
 * A streaming band-limited resampler. Each output sample is the input convolved with a
 * Blackman-windowed sinc low-pass at `cutoffHz`, evaluated at the output instant: going down
 * (48 kHz → 8 kHz) that is the anti-aliasing filter, going up (8 kHz → 48 kHz) the
 * interpolation filter. Works for any pair of rates (44.1 kHz too) and keeps DC gain at 1.
 */
export class Resampler {
  private readonly step: number;
  private readonly halfWidth: number;
  private readonly table: Float32Array;
  private buffer = new Float32Array(4096);
  private filled = 0;
  /** The next output instant, in input samples from buffer[0]. */
  private position = 0;

  constructor(inputRate: number, outputRate: number, cutoffHz: number, zeroCrossings = 16) {
    this.step = inputRate / outputRate;
    const fc = Math.min(cutoffHz, inputRate / 2, outputRate / 2) / inputRate;
    this.halfWidth = zeroCrossings / (2 * fc);
    this.table = new Float32Array(Math.ceil(this.halfWidth * TABLE_RESOLUTION) + 2);
    for (let i = 0; i < this.table.length; i++) {
      const t = i / TABLE_RESOLUTION;
      const u = Math.min(1, t / this.halfWidth);
      const window = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
      const x = 2 * fc * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      this.table[i] = 2 * fc * sinc * window;
    }
  }

  /** Takes input samples; returns the output samples they complete. */
  push(input: Float32Array): Float32Array {
    this.append(input);
    const count = Math.max(0, Math.ceil((this.filled - this.halfWidth - this.position) / this.step));
    const out = new Float32Array(count);
    for (let n = 0; n < count; n++) {
      out[n] = this.sampleAt(this.position);
      this.position += this.step;
    }
    const drop = Math.max(0, Math.floor(this.position - this.halfWidth));
    if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.filled);
      this.filled -= drop;
      this.position -= drop;
    }
    return out;
  }

  reset(): void {
    this.filled = 0;
    this.position = 0;
  }

  private sampleAt(p: number): number {
    const first = Math.max(0, Math.ceil(p - this.halfWidth));
    const last = Math.min(this.filled - 1, Math.floor(p + this.halfWidth));
    let sum = 0;
    for (let k = first; k <= last; k++) sum += this.buffer[k]! * this.kernel(p - k);
    return sum;
  }

  private kernel(t: number): number {
    const x = Math.abs(t) * TABLE_RESOLUTION;
    const i = x | 0;
    if (i >= this.table.length - 1) return 0;
    const a = this.table[i]!;
    return a + (x - i) * (this.table[i + 1]! - a);
  }

  private append(input: Float32Array): void {
    if (this.filled + input.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, this.filled + input.length));
      grown.set(this.buffer.subarray(0, this.filled));
      this.buffer = grown;
    }
    this.buffer.set(input, this.filled);
    this.filled += input.length;
  }
}
