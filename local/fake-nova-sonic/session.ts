import { decodeVoiceCode } from '../audio/voice-code';
import type { AgentScript, AgentScriptContext, ScriptHistoryEntry } from '../fake-openai/scripts';
import { EnergyVad } from '../fake-openai/vad';
import { AssistantTurn, type TurnOutcome } from './assistant-turn';
import type { StreamExceptionType } from './event-stream';
import { parseInputEvent, type ContentStart, type InputEvent, type PromptStart } from './input-events';
import { InputContents } from './input-contents';
import { INTERRUPTED_MARKER, OutputEvents } from './output-events';
import type { NovaStreamStats, StreamCloseCause } from './stats';
import { Pcm16Reader } from '../fake-common/pcm16';

export const INAUDIBLE = '(inaudible)';

export interface NovaFaults {
  /** Destroy the HTTP/2 connection (no END_STREAM, no exception) this long after the stream opened. */
  dropAfterMs?: number;
  /** Destroy the connection right after the Nth assistant turn has been sent. */
  dropAfterResponses?: number;
  /** Send this stream exception (and end the stream) after the Nth assistant turn. */
  exceptionAfterResponses?: { responses: number; type: StreamExceptionType; message: string };
  /** Delay before each assistant turn's first output. */
  responseDelayMs?: number;
  /** Speak at this rate whatever promptStart asked for (each AUDIO contentStart says which). */
  outputSampleRateHertz?: number;
}

/** How the session talks back: the server frames these onto the HTTP/2 response. */
export interface StreamWriter {
  event(json: object): void;
  exception(type: StreamExceptionType, message: string): void;
  /** Ends the response (END_STREAM). */
  end(): void;
  /** Breaks the response stream off without ending the session (a provider outage). */
  drop(): void;
}

export interface NovaSessionOptions {
  writer: StreamWriter;
  stats: NovaStreamStats;
  script: AgentScript;
  faults: NovaFaults;
  chunkIntervalMs: number;
  /** How many times faster than real time the call runs (audio plays in 1/timeScale of its length). */
  timeScale: number;
}

type Phase = 'awaiting-session' | 'awaiting-prompt' | 'prompt' | 'prompt-ended' | 'closed';

/** A user text in parentheses is a stage direction for the model ("(greet the caller)"), not something the callee said. */
const STAGE_DIRECTION = /^\(.*\)$/s;

/** One bidirectional stream, speaking Nova Sonic's event protocol as the real service does. */
export class FakeNovaSession {
  readonly #options: NovaSessionOptions;
  readonly #stats: NovaStreamStats;
  #phase: Phase = 'awaiting-session';
  #prompt: PromptStart | undefined;
  #events: OutputEvents | undefined;
  #contents: InputContents | undefined;
  #vad: EnergyVad | undefined;
  readonly #pcm = new Pcm16Reader();
  #instructions = '';
  readonly #history: ScriptHistoryEntry[] = [];
  #active: AssistantTurn | undefined;
  #pendingToolUse: { name: string; toolUseId: string } | undefined;
  /** When (wall clock) the audio sent so far would have finished playing at the call's speed. */
  #playbackEndsAt = 0;
  #assistantTurns = 0;
  #dropTimer: NodeJS.Timeout | undefined;

  constructor(options: NovaSessionOptions) {
    this.#options = options;
    this.#stats = options.stats;
    const { dropAfterMs } = options.faults;
    if (dropAfterMs !== undefined) this.#dropTimer = setTimeout(() => this.drop(), dropAfterMs);
  }

  receive(json: unknown): void {
    if (this.#phase === 'closed') return;
    const parsed = parseInputEvent(json);
    if (!parsed.ok) return this.#reject('validationException', parsed.message);
    const { name } = parsed.event;
    this.#stats.eventCounts[name] = (this.#stats.eventCounts[name] ?? 0) + 1;
    if (name !== 'audioInput') this.#stats.eventOrder.push(name);
    try {
      this.#handle(parsed.event);
    } catch (error) {
      this.#reject('internalServerException', `The fake failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Bytes that are not a well-formed event-stream message or chunk. */
  malformed(reason: string): void {
    this.#reject('validationException', `Malformed input: ${reason}`);
  }

  /** The client ended its side of the stream. */
  inputEnded(): void {
    if (this.#phase === 'closed') return;
    this.#close('client');
    this.#options.writer.end();
  }

  /** The connection is gone (client reset or server shutdown); nothing more can be sent. */
  abandon(cause: StreamCloseCause): void {
    this.#close(cause);
  }

  drop(): void {
    if (this.#phase === 'closed') return;
    this.#close('fault');
    this.#options.writer.drop();
  }

  #handle(event: InputEvent): void {
    switch (event.name) {
      case 'sessionStart':
        if (this.#phase !== 'awaiting-session') return this.#reject('validationException', 'sessionStart must be the first event, sent once.');
        this.#phase = 'awaiting-prompt';
        return;
      case 'promptStart':
        if (this.#phase !== 'awaiting-prompt') return this.#reject('validationException', 'promptStart must follow sessionStart, once per session.');
        return this.#startPrompt(event.body);
      case 'contentStart':
        return this.#startContent(event.body);
      case 'textInput':
      case 'toolResult':
      case 'audioInput': {
        const { promptName, contentName, content: part } = event.body;
        const type = event.name === 'textInput' ? 'TEXT' : event.name === 'toolResult' ? 'TOOL' : 'AUDIO';
        const content = this.#contents?.get(promptName, contentName, type) ?? { refused: `Content "${contentName}" of prompt "${promptName}" is not open.` };
        if ('refused' in content) return this.#reject('validationException', content.refused);
        if (type === 'AUDIO') this.#appendAudio(Buffer.from(part, 'base64'));
        else content.parts.push(part);
        return;
      }
      case 'contentEnd':
        return this.#endContent(event.body.promptName, event.body.contentName);
      case 'promptEnd':
        return this.#endPrompt(event.body.promptName);
      case 'sessionEnd':
        if (this.#phase === 'prompt') return this.#reject('validationException', 'sessionEnd received before promptEnd.');
        this.#close('client');
        this.#options.writer.end();
        return;
    }
  }

  #startPrompt(prompt: PromptStart): void {
    const tools = prompt.toolConfiguration?.tools ?? [];
    for (const { toolSpec } of tools) {
      try {
        this.#stats.toolSchemas[toolSpec.name] = JSON.parse(toolSpec.inputSchema.json);
      } catch {
        return this.#reject('validationException', `Tool ${toolSpec.name}: inputSchema.json is not valid JSON.`);
      }
    }
    this.#prompt = prompt;
    this.#contents = new InputContents(prompt.promptName);
    this.#phase = 'prompt';
    const outputSampleRate = this.#options.faults.outputSampleRateHertz ?? prompt.audioOutputConfiguration.sampleRateHertz;
    this.#events = new OutputEvents(prompt.promptName, { sampleRateHertz: outputSampleRate, voiceId: prompt.audioOutputConfiguration.voiceId });
    Object.assign(this.#stats, {
      promptName: prompt.promptName,
      voiceId: prompt.audioOutputConfiguration.voiceId,
      requestedOutputSampleRate: prompt.audioOutputConfiguration.sampleRateHertz,
      outputSampleRate,
      toolNames: tools.map((tool) => tool.toolSpec.name),
    });
  }

  #startContent(start: ContentStart): void {
    if (this.#phase !== 'prompt' || !this.#contents) return this.#reject('validationException', 'contentStart outside an open prompt.');
    const refusal = this.#contents.start(start, { historyLength: this.#stats.history.length, toolUseId: this.#pendingToolUse?.toolUseId });
    if (refusal) return this.#reject('validationException', refusal.refused);
    if (start.type === 'AUDIO') {
      const sampleRate = start.audioInputConfiguration!.sampleRateHertz;
      this.#stats.inputSampleRate = sampleRate;
      this.#vad = new EnergyVad({ sampleRate });
    }
  }

  #endContent(promptName: string, contentName: string): void {
    const content = this.#contents?.end(promptName, contentName) ?? { refused: `contentEnd for "${contentName}", which is not open.` };
    if ('refused' in content) return this.#reject('validationException', content.refused);
    const { start } = content;
    const text = content.parts.join('');
    if (start.type === 'AUDIO') return;
    if (start.type === 'TOOL') return this.#onToolResult(text);
    if (start.role === 'SYSTEM') {
      this.#instructions = text;
      this.#stats.systemPrompt = text;
      return;
    }
    if (start.interactive !== true) return this.#addHistory(start.role, text);
    if (start.role === 'USER') this.#onUserText(text);
  }

  #addHistory(role: ContentStart['role'], text: string): void {
    if (role !== 'USER' && role !== 'ASSISTANT') return;
    this.#stats.history.push({ role, text });
    if (role === 'USER' && STAGE_DIRECTION.test(text.trim())) return;
    this.#history.push({ role: role === 'USER' ? 'user' : 'assistant', text });
    if (role === 'ASSISTANT') this.#assistantTurns += 1;
  }

  #endPrompt(promptName: string): void {
    if (promptName !== this.#prompt?.promptName || this.#phase !== 'prompt') return this.#reject('validationException', `promptEnd for "${promptName}", which is not the open prompt.`);
    const open = this.#contents?.openNames() ?? [];
    if (open.length > 0) return this.#reject('validationException', `promptEnd while content is still open: ${open.join(', ')}.`);
    this.#active?.abandon();
    this.#active = undefined;
    if (this.#events?.inCompletion) this.#send(this.#events.completionEnd('END_TURN'));
    this.#phase = 'prompt-ended';
  }

  #appendAudio(bytes: Buffer): void {
    this.#stats.audioBytesReceived += bytes.length;
    this.#stats.timeline.received.add(bytes.length / 2 / ((this.#stats.inputSampleRate ?? 16000) / 1000));
    for (const vadEvent of this.#vad?.push(this.#pcm.read(bytes)) ?? []) {
      if (vadEvent.type === 'speech_started') this.#onSpeechStarted();
      else this.#onUtterance(vadEvent.utterance);
      if (this.#phase === 'closed') return;
    }
  }

  #onSpeechStarted(): void {
    const events = this.#events;
    if (!events) return;
    if (this.#active?.speaking) {
      this.#stats.interruptions += 1;
      this.#active.interrupt();
    } else if (Date.now() < this.#playbackEndsAt) {
      // Generation finished, but by Nova's own clock its audio is still playing.
      this.#stats.interruptions += 1;
      const notice = events.contentStart('TEXT', 'ASSISTANT', 'FINAL');
      this.#send(notice.event);
      this.#send(events.textOutput(notice.content, INTERRUPTED_MARKER));
      this.#send(events.contentEnd(notice.content, 'INTERRUPTED'));
    }
    this.#playbackEndsAt = 0;
  }

  #onUtterance(utterance: Int16Array): void {
    const transcript = decodeVoiceCode(utterance, this.#stats.inputSampleRate ?? 16000) ?? INAUDIBLE;
    this.#stats.userTranscripts.push(transcript);
    this.#history.push({ role: 'user', text: transcript });
    this.#sendUserTranscript(transcript);
    this.#respond('user');
  }

  #onUserText(text: string): void {
    this.#stats.textInputs.push(text);
    // Nova echoes cross-modal text input as the USER transcript of the turn.
    this.#sendUserTranscript(text);
    const direction = STAGE_DIRECTION.test(text.trim());
    if (!direction) {
      this.#history.push({ role: 'user', text });
      return this.#respond('user');
    }
    if (this.#assistantTurns === 0) return this.#respond('greeting');
    this.#respond('user', text);
  }

  #onToolResult(text: string): void {
    const pending = this.#pendingToolUse;
    if (!pending) return;
    this.#pendingToolUse = undefined;
    this.#stats.toolResults.push({ toolUseId: pending.toolUseId, content: text });
    this.#history.push({ role: 'tool', text, toolName: pending.name });
    this.#respond('tool_output');
  }

  #sendUserTranscript(text: string): void {
    const events = this.#events!;
    if (!events.inCompletion) this.#send(events.completionStart());
    const block = events.contentStart('TEXT', 'USER', 'FINAL');
    this.#send(block.event);
    this.#send(events.textOutput(block.content, text));
    this.#send(events.contentEnd(block.content, 'END_TURN'));
  }

  #respond(trigger: AgentScriptContext['trigger'], direction?: string): void {
    const events = this.#events!;
    if (this.#active && !this.#active.finished) return;
    const turn = this.#stats.ended
      ? undefined
      : this.#options.script.next({
          instructions: direction ?? this.#instructions,
          tools: [...this.#stats.toolNames],
          toolSchemas: { ...this.#stats.toolSchemas },
          history: this.#history.map((entry) => ({ ...entry })),
          trigger,
        });
    if (!turn) {
      if (events.inCompletion) this.#send(events.completionEnd('END_TURN'));
      return;
    }
    if (!events.inCompletion) this.#send(events.completionStart());
    const active = new AssistantTurn(
      {
        events,
        send: (event) => this.#send(event),
        outputSampleRate: this.#stats.outputSampleRate ?? 24000,
        chunkIntervalMs: this.#options.chunkIntervalMs,
        timeScale: this.#options.timeScale,
        startDelayMs: this.#options.faults.responseDelayMs ?? 0,
        onAudioChunk: (bytes, durationMs) => {
          this.#stats.audioChunksSent += 1;
          this.#stats.audioBytesSent += bytes;
          this.#stats.timeline.sent.add(durationMs);
          this.#playbackEndsAt = Math.max(this.#playbackEndsAt, Date.now()) + durationMs / this.#options.timeScale;
        },
        onDone: (outcome) => this.#onTurnDone(active, outcome, 'say' in turn && turn.end === true),
      },
      turn,
    );
    this.#active = active;
    active.start();
  }

  #onTurnDone(turn: AssistantTurn, outcome: TurnOutcome, endsCall: boolean): void {
    if (this.#active === turn) this.#active = undefined;
    const events = this.#events!;
    const stats = this.#stats;
    if (outcome.spokenText) {
      this.#history.push({ role: 'assistant', text: outcome.spokenText });
      stats.assistantTranscripts.push(outcome.spokenText);
      if (endsCall) stats.ended = true;
    }
    if (outcome.toolCall) {
      // The completion goes on once the tool result is in.
      stats.toolUsesSent += 1;
      this.#pendingToolUse = outcome.toolCall;
      return;
    }
    this.#send(events.usageEvent(0, Math.round((outcome.spokenText?.length ?? 0) / 4)));
    this.#send(events.completionEnd(outcome.interrupted ? 'INTERRUPTED' : 'END_TURN'));
    this.#assistantTurns += 1;
    this.#applyTurnFaults();
  }

  #applyTurnFaults(): void {
    const { dropAfterResponses, exceptionAfterResponses } = this.#options.faults;
    if (dropAfterResponses !== undefined && this.#assistantTurns >= dropAfterResponses) return this.drop();
    if (exceptionAfterResponses && this.#assistantTurns >= exceptionAfterResponses.responses) {
      this.#reject(exceptionAfterResponses.type, exceptionAfterResponses.message);
    }
  }

  #send(event: object): void {
    if (this.#phase !== 'closed') this.#options.writer.event(event);
  }

  /** Bedrock answers a bad event with a stream exception and ends the stream. */
  #reject(type: StreamExceptionType, message: string): void {
    if (this.#phase === 'closed') return;
    this.#stats.exceptionsSent.push({ type, message });
    this.#options.writer.exception(type, message);
    this.#close('exception');
    this.#options.writer.end();
  }

  #close(cause: StreamCloseCause): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    clearTimeout(this.#dropTimer);
    this.#active?.abandon();
    this.#active = undefined;
    this.#stats.closedAt = Date.now();
    this.#stats.closedBy = cause;
  }
}
