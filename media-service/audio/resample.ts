/**
 * Rational-ratio sample-rate conversion with a Kaiser-windowed sinc low-pass, applied as a
 * polyphase filter: conceptually the input is zero-stuffed by L, low-passed at the lower of the
 * two Nyquist frequencies, and kept every M-th sample (to/from = L/M in lowest terms); only the
 * non-zero products are computed. No sample is dropped or repeated.
 *
 * The band split is the PCM telephone channel's (ITU-T G.712): flat to 0.85 of the lower Nyquist
 * frequency (3.4 kHz when one side is 8 kHz) and at least STOPBAND_DB down from 1.15 of it
 * (4.6 kHz) up. Only the 0.85–1.15 transition band can fold over the Nyquist frequency, and it
 * folds onto itself (4.0–4.6 kHz onto 3.4–4.0 kHz), outside the telephone band. The cutoff sits at
 * the Nyquist frequency, which makes the 2× filter a half-band one: every other output of
 * 8 kHz → 16 kHz is an input sample, copied.
 *
 * The filter is zero-phase: output sample n is the signal at time n / to seconds after the first
 * input sample. A streaming `Resampler` therefore holds back the last ~`latencyMs` of output
 * until the input that follows it has arrived; `flush()` releases it (padding with silence).
 */

/** Stopband attenuation of the anti-aliasing filter, in dB. */
export const STOPBAND_DB = 70;
/** The passband ends at this fraction of the lower Nyquist frequency. */
export const PASSBAND_FRACTION = 0.85;
/** The stopband starts at this fraction of the lower Nyquist frequency. */
export const STOPBAND_FRACTION = 2 - PASSBAND_FRACTION;

export interface ResamplerFilter {
  readonly from: number;
  readonly to: number;
  /** Upsampling factor L. */
  readonly up: number;
  /** Downsampling factor M. */
  readonly down: number;
  /** Half-length of the filter, in samples at the intermediate rate `from * up`. */
  readonly half: number;
  /** Taps h[k + half] for k in [-half, half], with gain `up` (each polyphase branch sums to 1). */
  readonly taps: Float64Array;
  /**
   * The taps regrouped per polyphase branch, in input order: branch r holds taps[2·half − r − j·up]
   * for j = skip[r], skip[r] + 1, …, so an output is a plain dot product of consecutive input
   * samples (from `skip[r]` on) and a branch. Taps that are zero to rounding at either end of a
   * branch are left out (a half-band branch is a single 1).
   */
  readonly branches: readonly Float64Array[];
  /** How many leading taps of each branch were left out. */
  readonly skip: readonly number[];
  /**
   * Whether each branch reads the same backwards (a linear-phase filter's taps are symmetric,
   * and so is every branch whose taps sit symmetrically around the centre): its dot product
   * adds the two input samples that share a tap before multiplying, half the multiplications.
   */
  readonly symmetric: readonly boolean[];
  /**
   * Output n = q·up + r reads branch `phases[r].branch` from input sample q·down + `phases[r].start`
   * on (the branch and where it starts repeat every `up` outputs), so the streaming loop needs no
   * division per sample.
   */
  readonly phases: readonly OutputPhase[];
}

export interface OutputPhase {
  readonly branch: Float64Array;
  readonly start: number;
  readonly symmetric: boolean;
  /**
   * A symmetric branch as its non-zero pairs: tap `pairTaps[i]` multiplies the samples at
   * `pairAt[i]` and `branch.length − 1 − pairAt[i]`, and `centre` the middle one (0 for an even
   * length). The sinc's zeros fall on every L-th tap of a cutoff at 1/L of the rate (every other
   * tap of 16 kHz → 8 kHz, every third of 24 kHz → 8 kHz), and are skipped.
   */
  readonly pairTaps: Float64Array;
  readonly pairAt: Int32Array;
  readonly centre: number;
}

/**
 * The longest filter designed. Every pair of the rates the providers use (8, 11.025, 16, 22.05, 24,
 * 32, 44.1 and 48 kHz) needs at most ~12 700 taps; a rate sharing no factor with the other (24 001 Hz
 * against 8 kHz, say) would need millions, seconds of CPU and hundreds of megabytes to design.
 */
const MAX_TAPS = 16_384;

const filters = new Map<string, ResamplerFilter>();

/**
 * The (cached) filter for a conversion; throws a RangeError on rates that are not positive
 * integers, and on a pair whose filter would be longer than MAX_TAPS (before designing it).
 */
export function resamplerFilter(from: number, to: number): ResamplerFilter {
  for (const rate of [from, to]) {
    if (!Number.isInteger(rate) || rate <= 0 || rate > 384_000) throw new RangeError(`unsupported sample rate ${rate}`);
  }
  const key = `${from}>${to}`;
  let filter = filters.get(key);
  if (!filter) {
    const size = filterSize(from, to);
    if (2 * size.half + 1 > MAX_TAPS) throw new RangeError(`unsupported sample-rate pair ${from} → ${to} Hz`);
    filter = designFilter(from, to, size);
    filters.set(key, filter);
  }
  return filter;
}

interface FilterSize {
  up: number;
  down: number;
  /** The intermediate rate `from * up`. */
  rate: number;
  nyquist: number;
  half: number;
}

/** The ratio in lowest terms and the half-length that reaches STOPBAND_DB (Kaiser's estimate). */
function filterSize(from: number, to: number): FilterSize {
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const rate = from * up;
  const nyquist = Math.min(from, to) / 2;
  const transition = (STOPBAND_FRACTION - PASSBAND_FRACTION) * nyquist;
  const deltaOmega = (2 * Math.PI * transition) / rate;
  const length = Math.ceil((STOPBAND_DB - 7.95) / (2.285 * deltaOmega)) + 1;
  return { up, down, rate, nyquist, half: Math.max(1, Math.ceil((length - 1) / 2)) };
}

function designFilter(from: number, to: number, { up, down, rate, nyquist, half }: FilterSize): ResamplerFilter {
  const cutoff = nyquist;
  // Kaiser's window shape for STOPBAND_DB.
  const beta = STOPBAND_DB > 50 ? 0.1102 * (STOPBAND_DB - 8.7) : 0.5842 * (STOPBAND_DB - 21) ** 0.4 + 0.07886 * (STOPBAND_DB - 21);
  const i0Beta = besselI0(beta);
  const fc = cutoff / rate;
  const taps = new Float64Array(2 * half + 1);
  for (let k = -half; k <= half; k++) {
    const x = 2 * fc * k;
    const sinc = k === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = k / half;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    taps[k + half] = 2 * fc * sinc * window;
  }
  // Unity DC gain for every output sample: each polyphase branch (taps k ≡ p mod L) sums to 1.
  for (let phase = 0; phase < up; phase++) {
    let sum = 0;
    for (let j = phase; j < taps.length; j += up) sum += taps[j]!;
    if (sum !== 0) for (let j = phase; j < taps.length; j += up) taps[j]! /= sum;
  }
  const branches: Float64Array[] = [];
  const skip: number[] = [];
  const symmetric: boolean[] = [];
  const negligible = 1e-12 * Math.max(...taps.map(Math.abs));
  for (let r = 0; r < Math.min(up, 2 * half + 1); r++) {
    const full = new Float64Array(Math.floor((2 * half - r) / up) + 1);
    for (let j = 0; j < full.length; j++) full[j] = taps[2 * half - r - j * up]!;
    let first = 0;
    let end = full.length;
    while (first < end - 1 && Math.abs(full[first]!) <= negligible) first++;
    while (end > first + 1 && Math.abs(full[end - 1]!) <= negligible) end--;
    const branch = full.slice(first, end);
    branches.push(branch);
    skip.push(first);
    symmetric.push(branch.every((tap, j) => Math.abs(tap - branch[branch.length - 1 - j]!) <= negligible));
  }
  const phases: OutputPhase[] = [];
  for (let r = 0; r < up; r++) {
    const first = Math.ceil((r * down - half) / up);
    const phase = half - r * down + first * up;
    const branch = branches[phase]!;
    const pairs = [...Array(branch.length >> 1).keys()].filter((k) => Math.abs(branch[k]!) > negligible);
    phases.push({
      branch,
      start: first + skip[phase]!,
      symmetric: symmetric[phase]!,
      pairTaps: Float64Array.from(pairs, (k) => branch[k]!),
      pairAt: Int32Array.from(pairs),
      centre: branch.length & 1 ? branch[branch.length >> 1]! : 0,
    });
  }
  return { from, to, up, down, half, taps, branches, skip, symmetric, phases };
}

/**
 * Streaming converter for one direction of one call. Feed it chunks of any size; it carries the
 * filter history across them, so chunked and whole-buffer conversion give identical samples.
 * Its buffers are reused from chunk to chunk: converting a 20 ms frame allocates nothing.
 */
export class Resampler {
  readonly from: number;
  readonly to: number;
  readonly #filter: ResamplerFilter;
  readonly #passthrough: boolean;
  /** Input samples `#history[0..#length)` from absolute index `#base` on (negative indexes: the silence before the stream). */
  #history = new Float64Array(1024);
  #length = 0;
  #base = 0;
  #received = 0;
  #nextOut = 0;

  constructor(from: number, to: number) {
    this.from = from;
    this.to = to;
    this.#filter = resamplerFilter(from, to);
    this.#passthrough = from === to;
    this.reset();
  }

  /** How far output lags input while streaming, in milliseconds. */
  get latencyMs(): number {
    return this.#passthrough ? 0 : (1000 * this.#filter.half) / (this.from * this.#filter.up);
  }

  /** The most samples `process` / `processInto` can return for a chunk of `inputLength` samples. */
  maxOutput(inputLength: number): number {
    return Math.ceil((inputLength * this.#filter.up) / this.#filter.down);
  }

  /** Converts the next chunk; returns every output sample whose input has now arrived. */
  process(chunk: Int16Array): Int16Array {
    const out = new Int16Array(this.maxOutput(chunk.length));
    return out.subarray(0, this.processInto(chunk, out)).slice();
  }

  /**
   * Converts the next chunk into `out` (at least `maxOutput(chunk.length)` samples long) and
   * returns how many samples it wrote.
   */
  processInto(chunk: Int16Array, out: Int16Array): number {
    if (out.length < this.maxOutput(chunk.length)) throw new RangeError('output buffer too small for this chunk');
    if (this.#passthrough) {
      out.set(chunk);
      return chunk.length;
    }
    this.#append(chunk, chunk.length);
    const { up, down, half } = this.#filter;
    // Output n needs input up to floor((n·M + half) / L), i.e. n·M + half < received·L.
    const ready = Math.floor((this.#received * up - 1 - half) / down) + 1;
    return this.#emit(out, Math.max(0, ready - this.#nextOut));
  }

  /** Ends the stream: returns the held-back tail (the input is treated as silence after its end) and resets. */
  flush(): Int16Array {
    if (this.#passthrough) return new Int16Array(0);
    const { up, down, half } = this.#filter;
    const total = Math.ceil((this.#received * up) / down);
    this.#append(new Int16Array(Math.ceil(half / up) + 1), 0);
    const out = new Int16Array(Math.max(0, total - this.#nextOut));
    this.#emit(out, out.length);
    this.reset();
    return out;
  }

  /**
   * Gives out the held-back tail now, as `flush()` would (the input treated as silence after what
   * has arrived), but keeps the stream going: input that follows continues it, from the sample
   * after the tail. Only the tail's samples (the last `latencyMs`) lack what that input would have
   * added to them, so use it for a pause the stream probably ends at.
   */
  drain(): Int16Array {
    if (this.#passthrough) return new Int16Array(0);
    const { up, down, half } = this.#filter;
    const out = new Int16Array(Math.max(0, Math.ceil((this.#received * up) / down) - this.#nextOut));
    if (out.length === 0) return out;
    const look = Math.ceil(half / up) + 1;
    this.#append(new Int16Array(look), 0);
    this.#emit(out, out.length);
    // The silence was only the tail's look-ahead; what arrives next takes its place.
    this.#length -= look;
    return out;
  }

  /** Forgets all history (after barge-in, so stale audio does not ring into the next turn). */
  reset(): void {
    const pad = this.#passthrough ? 0 : Math.ceil(this.#filter.half / this.#filter.up);
    this.#reserve(pad);
    this.#history.fill(0, 0, pad);
    this.#length = pad;
    this.#base = -pad;
    this.#received = 0;
    this.#nextOut = 0;
  }

  /** Appends samples; `counted` of them are real input (flush appends uncounted silence). */
  #append(chunk: Int16Array, counted: number): void {
    const { up, down, half } = this.#filter;
    // Input before the first sample the next output needs is dropped, the rest moved to the front.
    const firstNeeded = Math.ceil((this.#nextOut * down - half) / up);
    const drop = Math.min(Math.max(0, firstNeeded - this.#base), this.#length);
    if (drop > 0) {
      this.#history.copyWithin(0, drop, this.#length);
      this.#length -= drop;
      this.#base += drop;
    }
    this.#reserve(this.#length + chunk.length);
    const history = this.#history;
    const at = this.#length;
    for (let i = 0; i < chunk.length; i++) history[at + i] = chunk[i]!;
    this.#length += chunk.length;
    this.#received += counted;
  }

  #reserve(capacity: number): void {
    if (capacity <= this.#history.length) return;
    const grown = new Float64Array(Math.max(capacity, 2 * this.#history.length));
    grown.set(this.#history.subarray(0, this.#length));
    this.#history = grown;
  }

  /** Writes the next `count` output samples into `out`; returns `count`. */
  #emit(out: Int16Array, count: number): number {
    const { up, down, phases } = this.#filter;
    const history = this.#history;
    let r = this.#nextOut % up;
    // Where output (q·up + r)'s branch starts is q·down + phases[r].start; `at` is q·down in `history`.
    let at = ((this.#nextOut - r) / up) * down - this.#base;
    for (let j = 0; j < count; j++) {
      const phase = phases[r]!;
      const offset = at + phase.start;
      const branch = phase.branch;
      const acc = branch.length === 1 ? history[offset]! * branch[0]! : phase.symmetric ? pairedDot(history, offset, phase) : dot(history, offset, branch);
      out[j] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
      if (++r === up) {
        r = 0;
        at += down;
      }
    }
    this.#nextOut += count;
    return count;
  }
}

/** Σ history[offset + k] · branch[k]; four accumulators, as this is the hot loop of every call's audio. */
function dot(history: Float64Array, offset: number, branch: Float64Array): number {
  const n = branch.length;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const at = offset + k;
    a0 += history[at]! * branch[k]!;
    a1 += history[at + 1]! * branch[k + 1]!;
    a2 += history[at + 2]! * branch[k + 2]!;
    a3 += history[at + 3]! * branch[k + 3]!;
  }
  for (; k < n; k++) a0 += history[offset + k]! * branch[k]!;
  return a0 + a1 + (a2 + a3);
}

/** The same sum for a symmetric branch: the two samples sharing a tap are added first, and zero taps skipped. */
function pairedDot(history: Float64Array, offset: number, phase: OutputPhase): number {
  const { pairTaps, pairAt } = phase;
  const n = pairTaps.length;
  const last = offset + phase.branch.length - 1;
  let a0 = phase.centre * history[offset + (phase.branch.length >> 1)]!;
  let a1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k0 = pairAt[i]!;
    const k1 = pairAt[i + 1]!;
    a0 += (history[offset + k0]! + history[last - k0]!) * pairTaps[i]!;
    a1 += (history[offset + k1]! + history[last - k1]!) * pairTaps[i + 1]!;
  }
  if (i < n) a0 += (history[offset + pairAt[i]!]! + history[last - pairAt[i]!]!) * pairTaps[i]!;
  return a0 + a1;
}

/** Converts a whole buffer; the result has ceil(length · to / from) samples, aligned in time with the input. */
export function resample(pcm: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return pcm.slice();
  const resampler = new Resampler(from, to);
  const head = resampler.process(pcm);
  const tail = resampler.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}
