import type { RawData } from 'ws';
import { FakeSocket, rawToString, type FakeSessionOptions } from '../fake-common/fake-socket';
import { bytesPerMs } from './audio-format';
import { decodeVoiceCode } from '../audio/voice-code';
import { parseClientEvent, type ClientEvent, type ClientItem, type SessionConfigUpdate } from './client-events';
import { Conversation, itemFromClient, spokenText, type ConversationItem } from './conversation';
import { newId } from './ids';
import { InputAudioBuffer } from './input-audio-buffer';
import { ResponseStream, type ResponseOutcome, type ServerEvent } from './response-stream';
import type { AgentScriptContext } from './scripts';
import { applySessionUpdate, defaultSessionState, sameFormat, sessionObject, toolNamesOf, toolSchemasOf, type SessionState } from './session-config';
import type { RealtimeSessionStats, SessionCloseCause } from './stats';
import { wireErrors, type WireError } from './wire-errors';

export const INAUDIBLE = '(inaudible)';

export interface RealtimeFaults {
  /** Terminate the socket (no close frame) this long after it opened. */
  dropAfterMs?: number;
  /** Terminate the socket right after the Nth `response.done`. */
  dropAfterResponses?: number;
  /** Delay between `response.created` and the first output. */
  responseDelayMs?: number;
  /**
   * Right after the Nth `response.done`, send one `response.output_item.done` whose completed
   * `function_call` item has no name or arguments: the event passes the Agents SDK's event schema,
   * and its parse of the tool call then throws inside its socket handler.
   */
  malformedItemAfterResponses?: number;
}

export type RealtimeSessionOptions = FakeSessionOptions<RealtimeSessionStats, RealtimeFaults>;

const MIN_COMMIT_MS = 100;

/** One Realtime WebSocket connection, speaking the GA protocol as the real server does. */
export class FakeRealtimeSession {
  readonly #stats: RealtimeSessionStats;
  readonly #options: RealtimeSessionOptions;
  readonly #conversation = new Conversation();
  readonly #expiresAt = Math.floor(Date.now() / 1000) + 3600;
  #state: SessionState = defaultSessionState();
  #input = new InputAudioBuffer(this.#state.inputFormat);
  #speechItemId: string | undefined;
  #active: ResponseStream | undefined;
  #responsesDone = 0;
  readonly #line: FakeSocket<SessionCloseCause>;

  constructor(options: RealtimeSessionOptions) {
    this.#options = options;
    this.#stats = options.stats;
    this.#line = new FakeSocket<SessionCloseCause>(options.socket, options.stats, () => {
      this.#active?.abandon();
      this.#active = undefined;
    });
  }

  start(): void {
    this.#line.listen((data, isBinary) => this.#receive(data, isBinary), this.#options.faults.dropAfterMs);
    this.#send({ type: 'session.created', session: this.#sessionObject() });
  }

  /** The server shuts down (fake closing). */
  terminate(): void {
    this.#line.terminate();
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.#sendError(wireErrors.binaryFrame());
      return;
    }
    const parsed = parseClientEvent(rawToString(data));
    if (!parsed.ok) {
      this.#sendError(parsed.error);
      return;
    }
    try {
      this.#handle(parsed.event);
    } catch (error) {
      this.#sendError(wireErrors.serverFailed(error, parsed.event.event_id), 'server_error');
    }
  }

  #handle(event: ClientEvent): void {
    switch (event.type) {
      case 'session.update':
        return this.#updateSession(event.session);
      case 'input_audio_buffer.append':
        return this.#appendAudio(Buffer.from(event.audio, 'base64'));
      case 'input_audio_buffer.commit':
        return this.#commitManually(event.event_id);
      case 'input_audio_buffer.clear':
        this.#input.clear();
        this.#speechItemId = undefined;
        return this.#send({ type: 'input_audio_buffer.cleared' });
      case 'response.create':
        return this.#createRequestedResponse(event.event_id, event.response?.instructions);
      case 'response.cancel':
        return this.#cancelRequested(event.event_id, event.response_id);
      case 'conversation.item.create':
        return this.#createItem(event.item, event.event_id);
      case 'conversation.item.truncate':
        return this.#truncate(event.item_id, event.content_index, event.audio_end_ms, event.event_id);
      case 'conversation.item.retrieve': {
        const item = this.#conversation.get(event.item_id);
        if (!item) return this.#sendError(wireErrors.itemNotFound(event.item_id, event.event_id));
        this.#stats.itemsRetrieved += 1;
        return this.#send({ type: 'conversation.item.retrieved', item: structuredClone(item) });
      }
      case 'conversation.item.delete':
        if (!this.#conversation.delete(event.item_id)) return this.#sendError(wireErrors.itemNotFound(event.item_id, event.event_id));
        return this.#send({ type: 'conversation.item.deleted', item_id: event.item_id });
    }
  }

  #updateSession(update: SessionConfigUpdate): void {
    const previous = this.#state;
    this.#state = applySessionUpdate(previous, update);
    if (!sameFormat(previous.inputFormat, this.#state.inputFormat)) {
      this.#input = new InputAudioBuffer(this.#state.inputFormat);
      this.#speechItemId = undefined;
    }
    const stats = this.#stats;
    stats.sessionUpdates += 1;
    stats.instructions = this.#state.instructions;
    stats.toolNames = toolNamesOf(this.#state);
    stats.inputFormat = this.#state.inputFormat;
    stats.outputFormat = this.#state.outputFormat;
    this.#send({ type: 'session.updated', session: this.#sessionObject() });
  }

  #appendAudio(bytes: Buffer): void {
    this.#stats.audioFramesReceived += 1;
    this.#stats.audioBytesReceived += bytes.length;
    this.#stats.timeline.received.add(bytes.length / bytesPerMs(this.#state.inputFormat), bytes);
    for (const vadEvent of this.#input.append(bytes, this.#state.turnDetection !== null)) {
      if (vadEvent.type === 'speech_started') this.#onSpeechStarted(vadEvent.audioStartMs);
      else this.#onSpeechStopped(vadEvent.audioEndMs, vadEvent.utterance);
      if (this.#line.closed) return;
    }
  }

  #onSpeechStarted(audioStartMs: number): void {
    const itemId = newId('item');
    this.#speechItemId = itemId;
    this.#send({ type: 'input_audio_buffer.speech_started', audio_start_ms: audioStartMs, item_id: itemId });
    if (this.#active && this.#state.turnDetection?.interrupt_response !== false) this.#active.cancel('turn_detected');
  }

  #onSpeechStopped(audioEndMs: number, utterance: Int16Array): void {
    const itemId = this.#takeSpeechItemId();
    this.#send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: audioEndMs, item_id: itemId });
    this.#commitUtterance(itemId, utterance);
    if (this.#state.turnDetection?.create_response !== false && !this.#active) this.#startResponse('user');
  }

  #commitManually(clientEventId: string | undefined): void {
    const utterance = this.#input.takeForCommit();
    const heldMs = this.#input.durationMs(utterance);
    if (heldMs < MIN_COMMIT_MS) {
      return this.#sendError(wireErrors.commitTooSmall(MIN_COMMIT_MS, heldMs, clientEventId));
    }
    this.#commitUtterance(this.#takeSpeechItemId(), utterance);
  }

  #takeSpeechItemId(): string {
    const itemId = this.#speechItemId ?? newId('item');
    this.#speechItemId = undefined;
    return itemId;
  }

  #commitUtterance(itemId: string, utterance: Int16Array): void {
    const transcript = decodeVoiceCode(utterance, this.#input.sampleRate) ?? INAUDIBLE;
    const item: ConversationItem = {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    };
    const previous = this.#conversation.append(item);
    this.#send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous });
    this.#send({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(item) });
    this.#send({ type: 'conversation.item.done', previous_item_id: previous, item: structuredClone(item) });
    item.content = [{ type: 'input_audio', transcript }];
    if (this.#state.transcription) {
      this.#send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: transcript });
      this.#send({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript,
        usage: { type: 'duration', seconds: Math.ceil(this.#input.durationMs(utterance) / 1000) },
      });
    }
    this.#conversation.history.push({ role: 'user', text: transcript });
    this.#stats.userTranscripts.push(transcript);
  }

  #createRequestedResponse(clientEventId: string | undefined, instructions: string | undefined): void {
    if (this.#active) {
      return this.#sendError(wireErrors.responseInProgress(this.#active.id, clientEventId));
    }
    const last = this.#conversation.last();
    const trigger =
      last?.type === 'function_call_output' ? 'tool_output' : last?.type === 'message' && last.role === 'user' ? 'user' : 'greeting';
    this.#startResponse(trigger, instructions);
  }

  #cancelRequested(clientEventId: string | undefined, responseId: string | undefined): void {
    if (!this.#active || (responseId !== undefined && responseId !== this.#active.id)) {
      return this.#sendError(wireErrors.noActiveResponse(clientEventId));
    }
    this.#active.cancel('client_cancelled');
  }

  #startResponse(trigger: AgentScriptContext['trigger'], instructionsOverride?: string): void {
    const stats = this.#stats;
    const turn = stats.ended
      ? undefined
      : this.#options.script.next({
          instructions: instructionsOverride ?? this.#state.instructions,
          tools: [...stats.toolNames],
          toolSchemas: toolSchemasOf(this.#state),
          history: this.#conversation.history.map((entry) => ({ ...entry })),
          trigger,
        });
    stats.responsesCreated += 1;
    const stream = new ResponseStream(
      {
        send: (event) => this.#send(event),
        conversation: this.#conversation,
        outputFormat: this.#state.outputFormat,
        voice: this.#state.voice,
        chunkIntervalMs: this.#options.audioChunkIntervalMs,
        startDelayMs: this.#options.faults.responseDelayMs ?? 0,
        onAudioChunk: (bytes, chunk) => {
          stats.audioFramesSent += 1;
          stats.audioBytesSent += bytes;
          stats.timeline.sent.add(bytes / bytesPerMs(this.#state.outputFormat), chunk);
        },
        onDone: (outcome) => this.#onResponseDone(stream, outcome, turn !== undefined && 'say' in turn && turn.end === true),
      },
      turn,
    );
    this.#active = stream;
    stream.start();
  }

  #onResponseDone(stream: ResponseStream, outcome: ResponseOutcome, endsCall: boolean): void {
    if (this.#active === stream) this.#active = undefined;
    const stats = this.#stats;
    if (outcome.status === 'cancelled') stats.responsesCancelled += 1;
    if (outcome.toolCall) stats.toolCallsIssued += 1;
    if (outcome.spokenText) {
      this.#conversation.history.push({ role: 'assistant', text: outcome.spokenText });
      stats.assistantTranscripts.push(outcome.spokenText);
      if (endsCall) stats.ended = true;
    }
    this.#responsesDone += 1;
    const { dropAfterResponses, malformedItemAfterResponses } = this.#options.faults;
    if (this.#responsesDone === malformedItemAfterResponses) {
      this.#stats.malformedEventsSent += 1;
      this.#send({
        type: 'response.output_item.done',
        response_id: newId('resp'),
        output_index: 0,
        item: { id: newId('item'), type: 'function_call', status: 'completed', call_id: newId('call') },
      });
    }
    if (dropAfterResponses !== undefined && this.#responsesDone >= dropAfterResponses) this.#line.dropWhenFlushed();
  }

  #createItem(clientItem: ClientItem, clientEventId: string | undefined): void {
    const item = itemFromClient(clientItem, clientItem.id ?? newId('item'));
    if (this.#conversation.get(item.id)) {
      return this.#sendError(wireErrors.itemExists(item.id, clientEventId));
    }
    if (item.type === 'function_call_output') {
      const call = this.#conversation.findFunctionCall(item.call_id);
      if (!call) return this.#sendError(wireErrors.unknownToolCall(item.call_id, clientEventId));
      this.#stats.toolOutputsReceived += 1;
      this.#conversation.history.push({ role: 'tool', text: item.output, toolName: call.name });
    }
    if (item.type === 'message' && item.role !== 'system') {
      const text = spokenText(item);
      if (text) this.#conversation.history.push({ role: item.role, text });
    }
    const previous = this.#conversation.append(item);
    this.#send({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(item) });
    this.#send({ type: 'conversation.item.done', previous_item_id: previous, item: structuredClone(item) });
  }

  #truncate(itemId: string, contentIndex: number, audioEndMs: number, clientEventId: string | undefined): void {
    this.#stats.truncationsReceived += 1;
    const item = this.#conversation.get(itemId);
    if (!item) return this.#sendError(wireErrors.itemNotFound(itemId, clientEventId));
    const part = item.type === 'message' && item.role === 'assistant' ? item.content[contentIndex] : undefined;
    if (!part || part.type !== 'output_audio') return this.#sendError(wireErrors.notTruncatable(itemId, contentIndex, clientEventId));
    const availableMs = Math.floor(this.#conversation.audioMs(itemId));
    if (audioEndMs > availableMs) return this.#sendError(wireErrors.audioTooShort(availableMs, audioEndMs, clientEventId));
    // The real server drops the transcript so the context holds nothing the user did not hear.
    delete part.transcript;
    this.#send({ type: 'conversation.item.truncated', item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs });
  }

  #sessionObject() {
    return sessionObject(this.#state, { id: this.#stats.sessionId, model: this.#stats.model, expiresAt: this.#expiresAt });
  }

  #sendError(error: WireError, type: 'invalid_request_error' | 'server_error' = 'invalid_request_error'): void {
    this.#stats.errorsSent += 1;
    this.#send({
      type: 'error',
      error: { type, code: error.code, message: error.message, param: error.param, event_id: error.eventId },
    });
  }

  #send(event: ServerEvent): void {
    if (!this.#line.open) return;
    const message = { event_id: newId('event'), ...event };
    this.#options.onSend?.(message);
    this.#line.send(JSON.stringify(message));
  }
}
