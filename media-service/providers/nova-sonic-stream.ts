import { EventEmitter } from 'node:events';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { InvokeModelWithBidirectionalStreamInput, InvokeModelWithBidirectionalStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Config } from '../../shared/config';
import { AsyncQueue } from './async-queue';
import { bedrockClientFor, describeBedrockError, openBidirectionalStream } from './nova-sonic-client';
import { parseNovaOutputEvent, type NovaOutputEvent } from './nova-sonic-events';
import { NovaSonicPrompt, type NovaInputEvent, type PromptSettings } from './nova-sonic-prompt';

const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Input events waiting for the SDK beyond this many (5 s of caller audio at 40 ms an event) mean
 * Bedrock is not taking audio as fast as the call makes it; more audio is dropped rather than held
 * without bound (one stalled stream must not take the process's memory with it).
 */
export const MAX_QUEUED_INPUT_EVENTS = 125;
/** After sessionEnd, how long Bedrock gets to end the response stream before it is cut. */
const CLOSE_GRACE_MS = 2_000;

export interface HistoryTurn {
  role: 'USER' | 'ASSISTANT';
  text: string;
}

export interface NovaStreamOptions {
  config: Config;
  modelId: string;
  settings: PromptSettings;
  instructions: string;
  /** Earlier turns, when this stream continues a conversation. */
  history: readonly HistoryTurn[];
  log: Logger;
}

export interface NovaStreamEvents {
  event: [event: NovaOutputEvent, arrivedAtNs: bigint];
  /** The stream ended without `close()`: a drop, a stream exception, or Bedrock ending it. */
  failed: [error: unknown];
}

/**
 * One InvokeModelWithBidirectionalStream: its input events fed from a queue (setup, then the
 * open USER audio content with audio, text and tool results in it), its output events parsed,
 * and the closing sequence. A call may use several in turn (Bedrock caps a stream at 8 minutes).
 */
export class NovaSonicStream extends EventEmitter<NovaStreamEvents> {
  readonly #options: NovaStreamOptions;
  readonly #prompt = new NovaSonicPrompt();
  readonly #input = new AsyncQueue<NovaInputEvent>();
  readonly #abort = new AbortController();
  readonly openedAt = Date.now();
  #audioOpen = false;
  #droppedAudio = 0;
  #opening = false;
  #closing = false;
  #reading: Promise<void> | undefined;

  constructor(options: NovaStreamOptions) {
    super();
    this.#options = options;
  }

  /** Sends the setup events and resolves once Bedrock accepted the stream; rejects with a clear message. */
  async open(): Promise<void> {
    const { settings, instructions, history, config, modelId } = this.#options;
    const prompt = this.#prompt;
    this.#push(prompt.sessionStart(settings), prompt.promptStart(settings), ...prompt.systemPrompt(instructions));
    for (const turn of history) this.#push(...prompt.history(turn.role, turn.text));
    this.#push(prompt.audioStart());
    this.#audioOpen = true;
    this.#opening = true;

    const stream = openBidirectionalStream(bedrockClientFor(config), modelId, requestChunks(this.#input), this.#abort.signal);
    this.#reading = stream.response.then(
      (events) => this.#read(events),
      (error: unknown) => this.#failed(error),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Amazon Bedrock did not accept the Nova Sonic stream within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([stream.accepted, stream.response, timeout]);
    } catch (error) {
      this.#shutDown();
      throw new Error(describeBedrockError(error).message, { cause: error });
    } finally {
      clearTimeout(timer);
      this.#opening = false;
    }
  }

  get audioOpen(): boolean {
    return this.#audioOpen;
  }

  sendAudio(pcmBase64: string): void {
    if (!this.#audioOpen) return;
    if (this.#input.size >= MAX_QUEUED_INPUT_EVENTS) {
      if (this.#droppedAudio++ === 0) this.#options.log.warn('Bedrock is not taking the caller audio as fast as it comes; dropping audio beyond the queue bound', { queued: this.#input.size });
      return;
    }
    this.#push(this.#prompt.audioChunk(pcmBase64));
  }

  /** Input events waiting for the SDK to take them. */
  get queuedEvents(): number {
    return this.#input.size;
  }

  sendUserText(text: string): void {
    if (this.#audioOpen) this.#push(...this.#prompt.userText(text));
  }

  sendToolResult(toolUseId: string, content: string): void {
    if (this.#audioOpen) this.#push(...this.#prompt.toolResult(toolUseId, content));
  }

  /** Ends the audio content, the prompt and the session, then waits (briefly) for Bedrock to end its side. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#audioOpen) this.#push(...this.#prompt.closing());
    this.#audioOpen = false;
    this.#input.end();
    const timer = setTimeout(() => this.#abort.abort(), CLOSE_GRACE_MS);
    await this.#reading?.catch(() => undefined);
    clearTimeout(timer);
  }

  #push(...events: NovaInputEvent[]): void {
    for (const event of events) this.#input.push(event);
  }

  async #read(events: AsyncIterable<InvokeModelWithBidirectionalStreamOutput>): Promise<void> {
    try {
      for await (const output of events) {
        const bytes = output.chunk?.bytes;
        if (!bytes) continue;
        const arrivedAtNs = process.hrtime.bigint();
        const parsed = parseNovaOutputEvent(bytes);
        if (parsed.ok) this.emit('event', parsed.event, arrivedAtNs);
        else this.#options.log.warn('Ignored a malformed Nova Sonic event', { reason: parsed.reason });
      }
    } catch (error) {
      return this.#failed(error);
    }
    // The SDK ends the iteration quietly when the connection is cut, so an end we did not ask for is a drop.
    if (!this.#closing) this.#failed(new StreamEndedError('the response stream ended before sessionEnd (connection lost or closed by Bedrock)'));
  }

  #failed(error: unknown): void {
    const wasClosing = this.#closing;
    this.#shutDown();
    // While opening, open() reports the failure itself.
    if (!wasClosing && !this.#opening) this.emit('failed', error);
  }

  #shutDown(): void {
    this.#closing = true;
    this.#audioOpen = false;
    this.#input.abort();
    this.#abort.abort();
  }
}

class StreamEndedError extends Error {
  override readonly name = 'StreamEnded';
}

/** Each input event as the SDK's request union member: a `chunk` of UTF-8 JSON bytes. */
async function* requestChunks(queue: AsyncIterable<NovaInputEvent>): AsyncIterable<InvokeModelWithBidirectionalStreamInput> {
  for await (const event of queue) yield { chunk: { bytes: new Uint8Array(Buffer.from(JSON.stringify(event), 'utf8')) } };
}
