import { mulawToPcm16 } from '../audio/codec';

export interface LocalBargeInOptions {
  /** Caller RMS (16-bit) that counts as speech. @default 1000 (about −30 dBFS) */
  thresholdRms?: number;
  /** Speech needed within the window to call it a barge-in. @default 200 */
  minSpeechMs?: number;
  /** @default 300 */
  windowMs?: number;
}

const FRAME_MS = 20;

/**
 * Barge-in the provider cannot see. Models generate faster than real time, so a response is often
 * complete (Gemini: `turnComplete`) while seconds of it still wait in Twilio's queue; providers
 * interrupt only a generation in progress. When the caller talks over audio that is still
 * playing after its generation finished, the adapter clears Twilio itself. Energy-based: speech
 * in at least `minSpeechMs` of the last `windowMs` of caller audio.
 */
export class LocalBargeIn {
  readonly #threshold: number;
  readonly #minFrames: number;
  readonly #windowFrames: number;
  #recent: boolean[] = [];

  constructor(options: LocalBargeInOptions = {}) {
    this.#threshold = options.thresholdRms ?? 1000;
    this.#minFrames = Math.ceil((options.minSpeechMs ?? 200) / FRAME_MS);
    this.#windowFrames = Math.ceil((options.windowMs ?? 300) / FRAME_MS);
  }

  /** One Twilio frame of the caller; true (once) when the caller is talking over `agentPlaying` audio. */
  hear(payloadBase64: string, agentPlaying: boolean): boolean {
    if (!agentPlaying) {
      this.#recent = [];
      return false;
    }
    const samples = mulawToPcm16(Buffer.from(payloadBase64, 'base64'));
    let sum = 0;
    for (const s of samples) sum += s * s;
    this.#recent.push(samples.length > 0 && Math.sqrt(sum / samples.length) >= this.#threshold);
    if (this.#recent.length > this.#windowFrames) this.#recent.shift();
    if (this.#recent.filter(Boolean).length < this.#minFrames) return false;
    this.#recent = [];
    return true;
  }
}
