import { InputAudioDecoder, type AudioFormat } from './audio-format';
import { EnergyVad, concatSamples, type VadEvent } from './vad';

/** The server's input audio buffer: decoded samples, fed to server VAD or held for a manual commit. */
export class InputAudioBuffer {
  readonly #decoder: InputAudioDecoder;
  #vad: EnergyVad;
  #held: Int16Array[] = [];

  constructor(format: AudioFormat) {
    this.#decoder = new InputAudioDecoder(format);
    this.#vad = new EnergyVad({ sampleRate: this.#decoder.sampleRate });
  }

  get sampleRate(): number {
    return this.#decoder.sampleRate;
  }

  /** With server VAD: the speech events this audio caused. Without: nothing, audio waits for commit. */
  append(bytes: Buffer, serverVad: boolean): VadEvent[] {
    const samples = this.#decoder.decode(bytes);
    if (serverVad) return this.#vad.push(samples);
    this.#held.push(samples);
    return [];
  }

  /** What `input_audio_buffer.commit` commits: the utterance in progress, or everything held. */
  takeForCommit(): Int16Array {
    const utterance = this.#vad.flush() ?? concatSamples(this.#held);
    this.#held = [];
    return utterance;
  }

  clear(): void {
    this.#vad = new EnergyVad({ sampleRate: this.#decoder.sampleRate });
    this.#held = [];
  }

  durationMs(samples: Int16Array): number {
    return (samples.length * 1000) / this.#decoder.sampleRate;
  }
}
