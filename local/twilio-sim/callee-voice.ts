import { FRAME_BYTES, SILENCE_BYTE, speechAudio } from './speech';
import type { CalleeScript, StreamEndReason } from './types';

const DEFAULT_MAX_CALL_MS = 60_000;
const BARGE_IN_AFTER_MS = 400;
const DTMF_SPACING_MS = 100;

interface Speech {
  text: string;
  audio: Uint8Array;
  offset: number;
  utteranceIndex?: number;
}

/** What the callee hears of the line at a frame, as the voice needs it to decide. */
export interface Hearing {
  /** Neither side has been audible for a while and the agent is not talking. */
  quiet: boolean;
  /** Since when the agent has been talking, if it is. */
  talkingSince: number | undefined;
}

/**
 * What the callee says and when, on the callee's own clock: its script's utterances in turn,
 * a barge-in, speaking first into silence, its DTMF digits, and when it hangs up. `decide`
 * runs once a frame; `nextFrame` gives that frame's audio.
 */
export class CalleeVoice {
  private mouth?: Speech;
  private readonly toSay: Speech[] = [];
  private readonly digits: Array<{ digit: string; dueAt: number }> = [];
  private nextUtterance = 0;
  private lastSpeechStartedAt = 0;
  private readonly agentTurnStarts: number[] = [];

  constructor(
    private readonly script: CalleeScript,
    /** A machine only plays what was queued (its greeting and beep); it never answers. */
    private readonly persona: 'human' | 'machine',
    /** The stream started: the clock's zero. */
    private readonly startedAt: number,
    private readonly onSaid: (text: string) => void,
  ) {}

  /** The agent began a turn at `startedAt` (on the callee's clock). */
  heardAgentTurn(startedAt: number): void {
    this.agentTurnStarts.push(startedAt);
  }

  queueSpeech(text: string, audio: Uint8Array, utteranceIndex?: number): void {
    this.toSay.push({ text, audio, offset: 0, utteranceIndex });
  }

  /** What the callee does at `now`: maybe starts its next utterance; a reason when it hangs up. */
  decide(now: number, hearing: Hearing): StreamEndReason | undefined {
    const maxCallMs = this.script.maxCallMs ?? DEFAULT_MAX_CALL_MS;
    if (now - this.startedAt >= maxCallMs) return 'max-call-time';
    if (this.persona === 'machine' || this.mouth) return undefined;

    const { utterances, hangUpAfterAgentTurns, bargeIn, answerSilenceMs } = this.script;
    const { quiet, talkingSince } = hearing;
    if (hangUpAfterAgentTurns !== undefined && this.agentTurnStarts.length >= hangUpAfterAgentTurns && quiet) return 'callee-hangup';
    const hasMore = this.nextUtterance < utterances.length;
    const agentReplied = this.agentTurnStarts.some((start) => start >= this.lastSpeechStartedAt);
    if (bargeIn && hasMore && talkingSince !== undefined && talkingSince >= this.lastSpeechStartedAt) {
      if (now - talkingSince >= BARGE_IN_AFTER_MS) return this.sayNext(now);
    }
    if (agentReplied && quiet) {
      if (hasMore) return this.sayNext(now);
      if (!this.script.stayOnLine) return 'callee-hangup';
    }
    const agentSilent = this.agentTurnStarts.length === 0 && talkingSince === undefined;
    if (answerSilenceMs !== undefined && this.nextUtterance === 0 && agentSilent && now - this.startedAt >= answerSilenceMs) {
      if (hasMore) this.sayNext(now);
    }
    return undefined;
  }

  /** The digits due by `now`, in order. */
  dueDigits(now: number): string[] {
    const due: string[] = [];
    while (this.digits[0] && this.digits[0].dueAt <= now) due.push(this.digits.shift()!.digit);
    return due;
  }

  /** The callee's audio for the frame at `now`: its speech, or silence. */
  nextFrame(now: number): Uint8Array {
    if (!this.mouth) {
      this.mouth = this.toSay.shift();
      if (this.mouth) this.onSaid(this.mouth.text);
    }
    const frame = new Uint8Array(FRAME_BYTES).fill(SILENCE_BYTE);
    const speech = this.mouth;
    if (!speech) return frame;
    const chunk = speech.audio.subarray(speech.offset, speech.offset + FRAME_BYTES);
    frame.set(chunk);
    speech.offset += chunk.length;
    if (speech.offset >= speech.audio.length) {
      this.mouth = undefined;
      this.afterUtterance(speech, now);
    }
    return frame;
  }

  private sayNext(now: number): undefined {
    const index = this.nextUtterance++;
    const text = this.script.utterances[index] as string;
    this.lastSpeechStartedAt = now;
    this.queueSpeech(text, speechAudio(text), index);
    return undefined;
  }

  private afterUtterance(speech: Speech, now: number): void {
    if (speech.utteranceIndex === undefined) return;
    for (const { afterUtterance, digits } of this.script.dtmf ?? []) {
      if (afterUtterance !== speech.utteranceIndex) continue;
      for (const digit of digits) {
        const last = this.digits.at(-1)?.dueAt ?? now;
        this.digits.push({ digit, dueAt: Math.max(now, last) + DTMF_SPACING_MS });
      }
    }
  }
}
