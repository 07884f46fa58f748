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
  /** The last frames heard, as a ring: 1 where the frame was speech. */
  readonly #recent: Uint8Array;
  #at = 0;
  #heard = 0;
  #speech = 0;

  constructor(options: LocalBargeInOptions = {}) {
    this.#threshold = options.thresholdRms ?? 1000;
    this.#minFrames = Math.ceil((options.minSpeechMs ?? 200) / FRAME_MS);
    this.#recent = new Uint8Array(Math.ceil((options.windowMs ?? 300) / FRAME_MS));
  }

  /** One Twilio frame of the caller; true (once) when the caller is talking over `agentPlaying` audio. */
  hear(payloadBase64: string, agentPlaying: boolean): boolean {
    if (!agentPlaying) {
      this.#forget();
      return false;
    }
    const speech = rmsOf(payloadBase64) >= this.#threshold ? 1 : 0;
    if (this.#heard === this.#recent.length) this.#speech -= this.#recent[this.#at]!;
    else this.#heard++;
    this.#recent[this.#at] = speech;
    this.#speech += speech;
    this.#at = (this.#at + 1) % this.#recent.length;
    if (this.#speech < this.#minFrames) return false;
    this.#forget();
    return true;
  }

  #forget(): void {
    if (this.#heard === 0) return;
    this.#recent.fill(0);
    this.#at = this.#heard = this.#speech = 0;
  }
}

/** Each μ-law byte's 16-bit sample, squared: a frame's energy without decoding it into a new array. */
const SQUARED_SAMPLE = Float64Array.from(mulawToPcm16(Uint8Array.from({ length: 256 }, (_, i) => i)), (s) => s * s);
/** Frames are decoded into this, fifty a second per call (a Twilio frame is 160 bytes; a larger one grows it). */
let scratch = Buffer.alloc(1024);

/** RMS of a base64 μ-law frame, as 16-bit PCM. */
function rmsOf(payloadBase64: string): number {
  const most = Math.ceil(payloadBase64.length / 4) * 3;
  if (most > scratch.length) scratch = Buffer.alloc(most);
  const bytes = scratch.write(payloadBase64, 'base64');
  let sum = 0;
  for (let i = 0; i < bytes; i++) sum += SQUARED_SAMPLE[scratch[i]!]!;
  return bytes > 0 ? Math.sqrt(sum / bytes) : 0;
}
