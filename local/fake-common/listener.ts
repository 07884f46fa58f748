import { decodeVoiceCode } from '../audio/voice-code';
import { EnergyVad, type EnergyVadOptions } from '../fake-openai/vad';

/** What a fake model server "hears" when the caller's speech has no decodable voice code. */
export const INAUDIBLE = '(inaudible)';

export type HeardEvent = { type: 'speech_started' } | { type: 'utterance'; text: string; durationMs: number };

/**
 * A fake model's ears: energy VAD over the caller's PCM16 at any sample rate, and each
 * finished utterance decoded from its voice code (the "transcript").
 */
export class Listener {
  readonly #vad: EnergyVad;

  constructor(readonly sampleRate: number, options: Omit<EnergyVadOptions, 'sampleRate'> = {}) {
    this.#vad = new EnergyVad({ ...options, sampleRate });
  }

  get speaking(): boolean {
    return this.#vad.speaking;
  }

  hear(samples: Int16Array): HeardEvent[] {
    return this.#vad.push(samples).map((event) =>
      event.type === 'speech_started'
        ? { type: 'speech_started' }
        : {
            type: 'utterance',
            text: decodeVoiceCode(event.utterance, this.sampleRate) ?? INAUDIBLE,
            durationMs: (event.utterance.length * 1000) / this.sampleRate,
          },
    );
  }
}
