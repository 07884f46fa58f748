/**
 * Server VAD from signal energy: RMS over 20 ms windows. Speech starts after `speechStartMs`
 * of loud windows and stops after `silenceEndMs` of quiet ones; the utterance handed back
 * includes `prefixPaddingMs` of audio from before the onset, as OpenAI's server VAD does.
 */
export interface EnergyVadOptions {
  sampleRate: number;
  /** @default 500 (16-bit RMS) */
  thresholdRms?: number;
  /** @default 60 */
  speechStartMs?: number;
  /** @default 500 */
  silenceEndMs?: number;
  /** @default 300 */
  prefixPaddingMs?: number;
}

export type VadEvent =
  | { type: 'speech_started'; audioStartMs: number }
  | { type: 'speech_stopped'; audioEndMs: number; utterance: Int16Array };

const WINDOW_MS = 20;

export class EnergyVad {
  readonly #windowSamples: number;
  readonly #threshold: number;
  readonly #startWindows: number;
  readonly #endWindows: number;
  readonly #prerollWindows: number;
  readonly #window: Int16Array;
  #windowFill = 0;
  #windowsSeen = 0;
  #loudRun = 0;
  #quietRun = 0;
  #speaking = false;
  #preroll: Int16Array[] = [];
  #utterance: Int16Array[] = [];

  constructor(options: EnergyVadOptions) {
    this.#windowSamples = Math.round((options.sampleRate * WINDOW_MS) / 1000);
    this.#threshold = options.thresholdRms ?? 500;
    this.#startWindows = Math.ceil((options.speechStartMs ?? 60) / WINDOW_MS);
    this.#endWindows = Math.ceil((options.silenceEndMs ?? 500) / WINDOW_MS);
    this.#prerollWindows = this.#startWindows + Math.ceil((options.prefixPaddingMs ?? 300) / WINDOW_MS);
    this.#window = new Int16Array(this.#windowSamples);
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.#windowSamples - this.#windowFill, samples.length - offset);
      this.#window.set(samples.subarray(offset, offset + take), this.#windowFill);
      this.#windowFill += take;
      offset += take;
      if (this.#windowFill === this.#windowSamples) {
        const event = this.#onWindow(this.#window.slice());
        if (event) events.push(event);
        this.#windowFill = 0;
      }
    }
    return events;
  }

  /** Ends the current utterance now (a manual `input_audio_buffer.commit`). */
  flush(): Int16Array | undefined {
    if (!this.#speaking) return undefined;
    const utterance = concatSamples(this.#utterance);
    this.#reset();
    return utterance;
  }

  #onWindow(window: Int16Array): VadEvent | undefined {
    const index = this.#windowsSeen++;
    const loud = rms(window) >= this.#threshold;
    if (!this.#speaking) {
      this.#preroll.push(window);
      if (this.#preroll.length > this.#prerollWindows) this.#preroll.shift();
      this.#loudRun = loud ? this.#loudRun + 1 : 0;
      if (this.#loudRun < this.#startWindows) return undefined;
      this.#speaking = true;
      this.#quietRun = 0;
      this.#utterance = this.#preroll;
      this.#preroll = [];
      return { type: 'speech_started', audioStartMs: (index - this.#loudRun + 1) * WINDOW_MS };
    }
    this.#utterance.push(window);
    this.#quietRun = loud ? 0 : this.#quietRun + 1;
    if (this.#quietRun < this.#endWindows) return undefined;
    const audioEndMs = (index - this.#quietRun + 1) * WINDOW_MS;
    const utterance = concatSamples(this.#utterance);
    this.#reset();
    return { type: 'speech_stopped', audioEndMs, utterance };
  }

  #reset(): void {
    this.#speaking = false;
    this.#loudRun = 0;
    this.#quietRun = 0;
    this.#utterance = [];
    this.#preroll = [];
  }
}

export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

export function concatSamples(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
