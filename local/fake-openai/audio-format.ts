import alawmulaw from 'alawmulaw';
import { mulawToPcm16, pcm16ToMulaw } from '../../media-service/audio/mulaw';
import { encodeVoiceCode } from '../audio/voice-code';
import { Pcm16Reader } from '../fake-common/pcm16';
import { pcm16ToBytes } from '../../media-service/audio/codec';

/** GA session audio formats (`session.audio.input.format` / `output.format`). */
export type AudioFormat = { type: 'audio/pcm'; rate: 24000 } | { type: 'audio/pcmu' } | { type: 'audio/pcma' };

export const PCM_24K: AudioFormat = { type: 'audio/pcm', rate: 24000 };

export function sampleRateOf(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? format.rate : 8000;
}

export function bytesPerMs(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? (format.rate * 2) / 1000 : 8;
}

/** Turns appended wire audio into 16-bit samples; keeps a split PCM16 sample across appends. */
export class InputAudioDecoder {
  readonly sampleRate: number;
  readonly #pcm = new Pcm16Reader();

  constructor(readonly format: AudioFormat) {
    this.sampleRate = sampleRateOf(format);
  }

  decode(bytes: Buffer): Int16Array {
    if (this.format.type === 'audio/pcmu') return mulawToPcm16(bytes);
    if (this.format.type === 'audio/pcma') return alawmulaw.alaw.decode(bytes);
    return this.#pcm.read(bytes);
  }
}

/** The model's "voice": `text` as voice-code audio in the session's output format. */
export function synthesizeSpeech(text: string, format: AudioFormat): Buffer {
  const samples = encodeVoiceCode(text, sampleRateOf(format));
  if (format.type === 'audio/pcmu') return Buffer.from(pcm16ToMulaw(samples));
  if (format.type === 'audio/pcma') return Buffer.from(alawmulaw.alaw.encode(samples));
  return pcm16ToBytes(samples);
}
