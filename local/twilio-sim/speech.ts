import { decodeVoiceCode, encodeVoiceCode } from '../audio/voice-code';
import { mulawToPcm16, pcm16ToMulaw } from '../../media-service/audio/mulaw';

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_BYTES = 160;
/** μ-law for a zero sample: what Twilio sends while the callee is silent. */
export const SILENCE_BYTE = 0xff;

/** |PCM| above this counts as someone talking (voice code peaks at 9000). */
const SPEECH_LEVEL = 1000;

export const VOICEMAIL_GREETING = 'Please leave a message after the tone.';

/** The callee saying `text`, as 8 kHz μ-law voice code. */
export function speechAudio(text: string): Uint8Array {
  return pcm16ToMulaw(encodeVoiceCode(text, SAMPLE_RATE));
}

const BEEP_TONE_MS = 500;
const BEEP_PAUSE_MS = 300;
/** How long the voicemail beep (with its lead-in pause) lasts. */
export const BEEP_MS = BEEP_TONE_MS + BEEP_PAUSE_MS;

/** A voicemail beep (a pause, then a 1 kHz tone), as μ-law. */
export function beepAudio(toneMs = BEEP_TONE_MS, pauseMs = BEEP_PAUSE_MS, hz = 1000): Uint8Array {
  const pause = Math.round((SAMPLE_RATE * pauseMs) / 1000);
  const samples = new Int16Array(pause + Math.round((SAMPLE_RATE * toneMs) / 1000));
  for (let i = pause; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (i - pause)) / SAMPLE_RATE));
  }
  return pcm16ToMulaw(samples);
}

export function isAudible(mulaw: Uint8Array): boolean {
  const pcm = mulawToPcm16(mulaw);
  for (const sample of pcm) if (Math.abs(sample) > SPEECH_LEVEL) return true;
  return false;
}

/** What a listener understands of μ-law audio: the voice-code sentence in it, if any. */
export function understand(mulaw: Uint8Array): string | undefined {
  return decodeVoiceCode(mulawToPcm16(mulaw), SAMPLE_RATE);
}
