import { randomUUID } from 'node:crypto';
import { encodeVoiceCode } from '../audio/voice-code';
import type { AgentTurn } from '../fake-openai/scripts';
import { paceChunks } from '../fake-common/pacing';
import { INTERRUPTED_MARKER, type OpenContent, type OutputEvents } from './output-events';
import { pcm16ToBytes } from '../../media-service/audio/codec';

const CHUNK_MS = 100;

export interface TurnOutcome {
  /** What the caller heard of the assistant's speech (all of it unless interrupted). */
  spokenText?: string;
  toolCall?: { name: string; toolUseId: string };
  interrupted: boolean;
}

export interface AssistantTurnOptions {
  events: OutputEvents;
  send: (event: object) => void;
  outputSampleRate: number;
  /** Wall-clock gap between two 100 ms audio chunks (Nova generates faster than real time). */
  chunkIntervalMs: number;
  /** How many times faster than real time the call runs. */
  timeScale: number;
  startDelayMs: number;
  onAudioChunk: (bytes: number, durationMs: number) => void;
  onDone: (outcome: TurnOutcome) => void;
}

/**
 * One assistant response as Nova streams it: speculative text, the audio content in chunks,
 * then the final (sentence-level) text of what was actually said, and/or a tool use block.
 */
export class AssistantTurn {
  #stop: (() => void) | undefined;
  #audio: OpenContent | undefined;
  #pcm: Buffer = Buffer.alloc(0);
  #sentBytes = 0;
  #firstChunkAt = 0;
  #finished = false;

  constructor(
    private readonly options: AssistantTurnOptions,
    private readonly turn: AgentTurn,
  ) {}

  get finished(): boolean {
    return this.#finished;
  }

  start(): void {
    this.#stop = paceChunks(this.options.startDelayMs, this.options.chunkIntervalMs, () => {
      if (this.#audio) this.#sendChunk();
      else this.#produce();
      return !this.#finished;
    });
  }

  /** True while audio is being generated (a barge-in now interrupts generation itself). */
  get speaking(): boolean {
    return !this.#finished && this.#audio !== undefined;
  }

  /**
   * The user barged in while audio was still being generated: stop, close the audio content
   * as INTERRUPTED and send the final text of what had been played by now (played at the call's
   * speed from the first chunk, which is how Nova accounts for its own faster-than-real-time output).
   */
  interrupt(): void {
    if (this.#finished || !this.#audio || !('say' in this.turn)) return;
    this.#stop?.();
    const { events, send } = this.options;
    send(events.contentEnd(this.#audio, 'INTERRUPTED'));
    const playedMs = (Date.now() - this.#firstChunkAt) * this.options.timeScale;
    const playedFraction = Math.min(1, playedMs / (this.#pcm.length / this.#bytesPerMs()));
    const spoken = this.turn.say.slice(0, Math.floor(this.turn.say.length * playedFraction)).trim();
    const final = events.contentStart('TEXT', 'ASSISTANT', 'FINAL');
    send(final.event);
    if (spoken) send(events.textOutput(final.content, spoken));
    send(events.textOutput(final.content, INTERRUPTED_MARKER));
    send(events.contentEnd(final.content, 'INTERRUPTED'));
    this.#finish({ spokenText: spoken || undefined, interrupted: true });
  }

  /** Stops timers without emitting anything (the stream is gone). */
  abandon(): void {
    this.#finished = true;
    this.#stop?.();
  }

  #produce(): void {
    if ('call' in this.turn) return this.#finish({ toolCall: this.#sendToolUse(this.turn.call.name, this.turn.call.arguments), interrupted: false });
    const { events, send, outputSampleRate } = this.options;
    const speculative = events.contentStart('TEXT', 'ASSISTANT', 'SPECULATIVE');
    send(speculative.event);
    send(events.textOutput(speculative.content, this.turn.say));
    send(events.contentEnd(speculative.content, 'PARTIAL_TURN'));
    const audio = events.contentStart('AUDIO', 'ASSISTANT');
    send(audio.event);
    this.#audio = audio.content;
    this.#pcm = pcm16ToBytes(encodeVoiceCode(this.turn.say, outputSampleRate));
    this.#sendChunk();
  }

  #sendChunk(): void {
    if (this.#finished || !this.#audio || !('say' in this.turn)) return;
    const { events, send } = this.options;
    const bytesPerMs = this.#bytesPerMs();
    if (this.#sentBytes === 0) this.#firstChunkAt = Date.now();
    const chunk = this.#pcm.subarray(this.#sentBytes, this.#sentBytes + CHUNK_MS * bytesPerMs);
    this.#sentBytes += chunk.length;
    send(events.audioOutput(this.#audio, chunk.toString('base64')));
    this.options.onAudioChunk(chunk.length, chunk.length / bytesPerMs);
    if (this.#sentBytes < this.#pcm.length) return;
    send(events.contentEnd(this.#audio, 'END_TURN'));
    const final = events.contentStart('TEXT', 'ASSISTANT', 'FINAL');
    send(final.event);
    send(events.textOutput(final.content, this.turn.say));
    send(events.contentEnd(final.content, 'END_TURN'));
    const toolCall = this.turn.andCall ? this.#sendToolUse(this.turn.andCall.name, this.turn.andCall.arguments) : undefined;
    this.#finish({ spokenText: this.turn.say, toolCall, interrupted: false });
  }

  #bytesPerMs(): number {
    return (this.options.outputSampleRate * 2) / 1000;
  }

  #sendToolUse(name: string, input: Record<string, unknown>): { name: string; toolUseId: string } {
    const { events, send } = this.options;
    const tool = events.contentStart('TOOL', 'TOOL');
    const toolUseId = randomUUID();
    send(tool.event);
    send(events.toolUse(tool.content, name, toolUseId, input));
    send(events.contentEnd(tool.content, 'TOOL_USE'));
    return { name, toolUseId };
  }

  #finish(outcome: TurnOutcome): void {
    this.#finished = true;
    this.options.onDone(outcome);
  }
}

