import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallStore } from '../shared/call-store';
import { isAllowedDestination, maskPhone } from '../shared/phone';
import { dialTwiml, type TwilioClient } from '../shared/twilio';
import { dtmfAudio } from './tools/dtmf-tones';
import { ToolError } from './tools/runner';
import type { CallControl } from './tools/types';
import { outbound, type TwilioOutbound } from './twilio-stream';
import { waitAtMost } from './wait-at-most';

/** What call control needs from the live stream; the bridge provides it. */
export interface CallLine {
  callSid(): string | undefined;
  streamSid(): string | undefined;
  /** Sends a message on the Media Stream (marks are tracked like the agent's own). */
  send(message: TwilioOutbound): void;
  /** Resolves once every mark sent so far has been echoed (or the stream has ended). */
  playbackFinished(): Promise<void>;
  hangUp(reason: string): Promise<void>;
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
const MARK_PREFIX = 'call-control:';
const BYTES_PER_MS = 8;
const CHUNK_BYTES = 8_000;

/** Hang-up, transfer and keypad presses on a live call, for the tools. */
export class BridgeCallControl implements CallControl {
  private readonly markWaiters = new Map<string, () => void>();
  private marks = 0;

  constructor(private readonly options: CallControlOptions) {}

  /** Handles the echo of a mark this object sent; false for anyone else's. */
  markPlayed(name: string): boolean {
    if (!name.startsWith(MARK_PREFIX)) return false;
    this.markWaiters.get(name)?.();
    this.markWaiters.delete(name);
    return true;
  }

  /** The stream is gone: nothing waiting for an echo will get one. */
  streamEnded(): void {
    for (const resolve of this.markWaiters.values()) resolve();
    this.markWaiters.clear();
  }

  async hangUpAfterPlayback(reason: string): Promise<void> {
    await waitAtMost(this.options.line.playbackFinished(), PLAYBACK_WAIT_MS);
    await this.options.line.hangUp(reason);
  }

  async transfer(to: string): Promise<void> {
    const { line, log } = this.options;
    if (!isAllowedDestination(to, this.options.allowedPrefixes)) {
      throw new ToolError('Transfers to that number are not allowed. Tell the caller someone will call them back.');
    }
    const callSid = line.callSid();
    if (!callSid) throw new ToolError('The call cannot be transferred right now.');
    await waitAtMost(line.playbackFinished(), PLAYBACK_WAIT_MS);
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
    const { line } = this.options;
    const streamSid = line.streamSid();
    if (!streamSid) throw new ToolError('Keys cannot be pressed right now.');
    const audio = Buffer.from(dtmfAudio(digits));
    const name = `${MARK_PREFIX}dtmf-${++this.marks}`;
    const played = new Promise<void>((resolve) => this.markWaiters.set(name, resolve));
    for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) {
      line.send(outbound.media(streamSid, audio.subarray(offset, offset + CHUNK_BYTES).toString('base64')));
    }
    line.send(outbound.mark(streamSid, name));
    const heard = await waitAtMost(played, audio.length / BYTES_PER_MS + PLAYBACK_WAIT_MS);
    this.markWaiters.delete(name);
    if (!heard) throw new ToolError('The key presses may not have gone through.');
  }
}
