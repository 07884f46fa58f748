import { pcm16ToMulaw } from '../audio/mulaw';

/**
 * Keypad presses as in-band DTMF audio (μ-law 8 kHz), ready to send on the Media Stream.
 *
 * Why audio and not TwiML `<Play digits>`: on a bidirectional `<Connect><Stream>`, new TwiML
 * ends the stream, so pressing a key would mean reconnecting a fresh stream (new token, new
 * model session, the conversation lost). Tones sent as media keep the stream and the model
 * session; IVRs detect in-band DTMF on ordinary PSTN calls.
 */

const SAMPLE_RATE = 8000;
const TONE_MS = 100;
const GAP_MS = 100;
/** `w`, as in Twilio's `sendDigits`: wait half a second. */
const PAUSE_MS = 500;
const AMPLITUDE = 6000;

const ROWS = [697, 770, 852, 941];
const COLUMNS = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const row = KEYPAD.findIndex((keys) => keys.includes(digit));
  if (row < 0) return undefined;
  return [ROWS[row]!, COLUMNS[KEYPAD[row]!.indexOf(digit)]!];
}

/** The audio for a digit string: 100 ms per key, 100 ms between keys, 500 ms per `w`. */
export function dtmfAudio(digits: string): Uint8Array {
  const samples = (ms: number) => Math.round((SAMPLE_RATE * ms) / 1000);
  const total = [...digits].reduce((n, d) => n + (d === 'w' ? samples(PAUSE_MS) : samples(TONE_MS) + samples(GAP_MS)), 0);
  const pcm = new Int16Array(total);
  let cursor = 0;
  for (const digit of digits) {
    const pair = dtmfFrequencies(digit);
    if (!pair) {
      cursor += samples(PAUSE_MS);
      continue;
    }
    for (let i = 0; i < samples(TONE_MS); i++) {
      const t = i / SAMPLE_RATE;
      pcm[cursor + i] = Math.round(AMPLITUDE * (Math.sin(2 * Math.PI * pair[0] * t) + Math.sin(2 * Math.PI * pair[1] * t)));
    }
    cursor += samples(TONE_MS) + samples(GAP_MS);
  }
  return pcm16ToMulaw(pcm);
}
