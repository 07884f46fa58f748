import { encodeVoiceCode } from '../audio/voice-code';
import { paceChunks } from './pacing';

/** Audio is produced in chunks of this length (real services send 40–250 ms pieces). */
export const SPOKEN_CHUNK_MS = 100;

export interface SpokenTurnOptions {
  text: string;
  /** Sample rate of the PCM16 the turn produces. */
  sampleRate: number;
  /** Wall-clock gap between two chunks (faster than real time, as real models generate). */
  chunkIntervalMs: number;
  /** "Thinking" time before the first chunk. */
  startDelayMs?: number;
  /** One chunk of speech and the part of the text it carries (a transcript delta). */
  onChunk(samples: Int16Array, textDelta: string): void;
  /** Every chunk has been produced. */
  onDone(): void;
}

/**
 * One utterance of a fake model: `text` as voice-code PCM16, streamed in paced chunks with
 * its transcript revealed in proportion, cancellable mid-way (barge-in).
 */
export class SpokenTurn {
  readonly #options: SpokenTurnOptions;
  readonly #samples: Int16Array;
  #sentSamples = 0;
  #sentChars = 0;
  #stop: (() => void) | undefined;
  #finished = false;

  constructor(options: SpokenTurnOptions) {
    this.#options = options;
    this.#samples = encodeVoiceCode(options.text, options.sampleRate);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The words streamed so far (all of them once finished). */
  get spokenText(): string {
    return this.#options.text.slice(0, this.#sentChars);
  }

  get durationMs(): number {
    return (this.#samples.length * 1000) / this.#options.sampleRate;
  }

  start(): void {
    this.#stop = paceChunks(this.#options.startDelayMs ?? 0, this.#options.chunkIntervalMs, () => this.#next());
  }

  /** Stops producing; returns the words streamed so far. */
  cancel(): string {
    this.#finished = true;
    this.#stop?.();
    return this.spokenText;
  }

  /** Produces the next chunk; false once there is nothing more to produce. */
  #next(): boolean {
    if (this.#finished) return false;
    const { text, sampleRate, onChunk, onDone } = this.#options;
    const chunkSamples = Math.round((sampleRate * SPOKEN_CHUNK_MS) / 1000);
    const chunk = this.#samples.subarray(this.#sentSamples, this.#sentSamples + chunkSamples);
    this.#sentSamples += chunk.length;
    const charsDue = Math.ceil((text.length * this.#sentSamples) / this.#samples.length);
    const delta = text.slice(this.#sentChars, charsDue);
    this.#sentChars = Math.max(this.#sentChars, charsDue);
    onChunk(chunk, delta);
    if (this.#finished) return false;
    if (this.#sentSamples < this.#samples.length) return true;
    this.#finished = true;
    onDone();
    return false;
  }
}
