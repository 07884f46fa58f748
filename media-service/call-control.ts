import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallStore } from '../shared/call-store';
import { isAllowedDestination, maskPhone } from '../shared/phone';
import { dialTwiml, type TwilioClient } from '../shared/twilio';
import { dtmfAudio } from './tools/dtmf-tones';
import { ToolError } from './tools/runner';
import type { CallControl } from './tools/types';
import type { CallerPlayback } from './playback/caller-playback';
import { waitAtMost } from '../shared/wait-at-most';

/** What call control needs from the live stream; the bridge provides it. */
export interface CallLine {
  callSid(): string | undefined;
  /** What the caller hears, once the stream has started. */
  playback(): CallerPlayback | undefined;
  /** Hangs up once the agent's audio still playing (its goodbye) has played; nothing interrupts it meanwhile. */
  hangUpAfterPlayback(reason: string): Promise<void>;
}

export interface CallControlOptions {
  callbackId: string;
  /** The call's caller ID, kept for a transfer's `<Dial>`. */
  from: string;
  line: CallLine;
  twilio: () => TwilioClient;
  store: CallStore;
  allowedPrefixes: readonly string[] | undefined;
  log: Logger;
}

/** Longest wait for queued agent audio to play before acting anyway. */
const PLAYBACK_WAIT_MS = 15_000;
const BYTES_PER_MS = 8;
const CHUNK_BYTES = 8_000;

/** Hang-up, transfer and keypad presses on a live call, for the tools. */
export class BridgeCallControl implements CallControl {
  constructor(private readonly options: CallControlOptions) {}

  hangUpAfterPlayback(reason: string): Promise<void> {
    return this.options.line.hangUpAfterPlayback(reason);
  }

  async transfer(to: string): Promise<void> {
    const { line, log } = this.options;
    if (!isAllowedDestination(to, this.options.allowedPrefixes)) {
      throw new ToolError('Transfers to that number are not allowed. Tell the caller someone will call them back.');
    }
    const callSid = line.callSid();
    if (!callSid) throw new ToolError('The call cannot be transferred right now.');
    await this.playbackFinished();
    try {
      // New TwiML ends the media stream; Twilio then dials the colleague on the same call.
      await this.options.twilio().calls(callSid).update({ twiml: dialTwiml(to, this.options.from) });
    } catch (error) {
      throw new ToolError('The transfer did not go through. Tell the caller and carry on.', { cause: error });
    }
    log.info('Call transferred', { to: maskPhone(to) });
    try {
      await this.options.store.mutate(this.options.callbackId, () => ({ outcomeOverride: 'transferred' }));
    } catch (error) {
      // The caller is already with the colleague; only the event's outcome is at stake.
      log.error('Transfer could not be recorded on the call', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async sendDigits(digits: string): Promise<void> {
    const playback = this.options.line.playback();
    if (!playback) throw new ToolError('Keys cannot be pressed right now.');
    const audio = dtmfAudio(digits);
    let cleared = false;
    const onCleared = () => (cleared = true);
    playback.on('interrupted', onCleared);
    try {
      for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) playback.playTones(audio.subarray(offset, offset + CHUNK_BYTES));
      const played = await waitAtMost(playback.finished(), audio.length / BYTES_PER_MS + PLAYBACK_WAIT_MS);
      if (!played || cleared) throw new ToolError('The key presses may not have gone through.');
    } finally {
      playback.off('interrupted', onCleared);
    }
  }

  /** Waits (a while at most) for the agent's queued audio to finish playing. */
  private async playbackFinished(): Promise<void> {
    const playback = this.options.line.playback();
    if (playback) await waitAtMost(playback.finished(), PLAYBACK_WAIT_MS);
  }
}
