import { EventEmitter } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import { PcmToTwilio, TwilioToPcm } from '../audio/codec';
import { guarded } from '../fault-boundary';
import { BatchedSocketWriter } from '../socket-batching';
import { connectAttempt } from './connect-attempt';
import { closeError, CONNECT_TIMEOUT_MS, conversationUrl, ElevenLabsConnectError, initiationData, rawToString } from './elevenlabs-connection';
import { audioFormat, parseServerMessage, type AudioFormat, type ServerMessage } from './elevenlabs-messages';
import { SessionClosure } from './session-closure';
import type { ProviderEvents, ProviderSession, ProviderSessionOptions } from './types';

/**
 * The agent's PCM audio paused this long: the resampler's held-back last ~2 ms go to the caller
 * now, as the response may be over (ElevenLabs never says so; its quiet window is far longer). If
 * the audio goes on, it continues from there. Two frames' time: longer than the gap between the
 * chunks of speech generated faster than it is spoken, so a tail is not sent at every chunk.
 */
const TAIL_PAUSE_MS = 40;
export const GREETING_CUE = '(The call has just been answered. Greet the person now, as your instructions say.)';

/**
 * An ElevenLabs agent (Agents Platform) over its conversation WebSocket, with `ws`: a signed URL
 * from the API key, `conversation_initiation_client_data` with the call's prompt, voice and
 * dynamic variables, audio in whichever formats the agent announces (μ-law 8 kHz passes
 * through untouched; PCM is resampled), ping/pong, interruption with stale-audio dropping and
 * the corrected agent text, and client tool calls run through the call's tools.
 */
export class ElevenLabsProviderSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  readonly #o: ProviderSessionOptions;
  #ws: WebSocket | undefined;
  #writer: BatchedSocketWriter | undefined;
  #input: AudioFormat | undefined;
  #output: AudioFormat | undefined;
  #caller: TwilioToPcm | undefined;
  #agent: PcmToTwilio | undefined;
  /** Audio events with an id at or below this belong to an interrupted response. */
  #lastInterruptId = -1;
  #responseEventId: number | undefined;
  /** The agent's words for the response in progress, until they are final. */
  #agentText: string | undefined;
  #generating = false;
  #awaitingCorrection = false;
  #agentSpoke = false;
  /** A response of this conversation has ended (played out or interrupted). */
  #answered = false;
  /** The conversation's opening request (the greeting, or the pick-up after a drop) has been made. */
  #opened = false;
  #quietTimer: NodeJS.Timeout | undefined;
  #tailTimer: NodeJS.Timeout | undefined;
  #correctionTimer: NodeJS.Timeout | undefined;
  #greetingTimer: NodeJS.Timeout | undefined;
  #closing = false;
  readonly #closure = new SessionClosure(this);
  /** When the message being handled arrived (process.hrtime), for the bridge's latency metric. */
  #messageAtNs: bigint | undefined;

  constructor(options: ProviderSessionOptions) {
    super();
    this.#o = options;
    options.playback.on('idle', this.#onPlaybackIdle);
  }

  async connect(): Promise<void> {
    const url = await conversationUrl(this.#o.config);
    const ws = new WebSocket(url, ['convai'], { handshakeTimeout: CONNECT_TIMEOUT_MS, perMessageDeflate: false });
    this.#ws = ws;
    this.#writer = new BatchedSocketWriter(ws);
    const timedOut = () => new ElevenLabsConnectError(`ElevenLabs did not start the conversation within ${CONNECT_TIMEOUT_MS / 1000} s`);
    await connectAttempt<void>(CONNECT_TIMEOUT_MS, timedOut, (attempt) => {
      let started = false;
      let lastError: string | undefined;
      const fail = (error: Error) => {
        if (attempt.fail(error)) ws.terminate();
      };
      // What the handlers throw ends this call only, never the process.
      const fault = this.#fault;
      ws.on(
        'unexpected-response',
        guarded((_request, response) => fail(new ElevenLabsConnectError(`ElevenLabs refused the conversation WebSocket (HTTP ${response.statusCode})`)), fault),
      );
      ws.on('open', guarded(() => ws.send(JSON.stringify(initiationData(this.#o))), fault));
      ws.on('error', (error) => {
        lastError = error.message;
      });
      ws.on(
        'close',
        guarded((code: number, reason: Buffer) => {
          if (!attempt.settled) return fail(closeError(code, reason.toString(), lastError));
          if (started) this.#onClosed(code, reason.toString());
        }, fault),
      );
      ws.on('message', guarded((data: RawData) => {
        this.#messageAtNs = process.hrtime.bigint();
        const parsed = parseServerMessage(rawToString(data));
        if (!parsed.ok) return this.#o.log.warn('Ignored a malformed ElevenLabs message', { reason: parsed.reason });
        if (attempt.settled) return this.#onMessage(parsed.message);
        if (parsed.message.type !== 'conversation_initiation_metadata') return;
        const metadata = parsed.message.conversation_initiation_metadata_event;
        this.#configureAudio(metadata.user_input_audio_format ?? 'pcm_16000', metadata.agent_output_audio_format);
        this.#o.log.info('ElevenLabs conversation started', {
          conversationId: metadata.conversation_id,
          inputFormat: metadata.user_input_audio_format,
          outputFormat: metadata.agent_output_audio_format,
        });
        started = true;
        attempt.open();
      }, fault));
    });
  }

  readonly #fault = (error: Error) => {
    this.#o.log.error('Handling an ElevenLabs message failed', { error });
    this.emit('fault', error);
  };

  sendAudio(payloadBase64: string): void {
    if (!this.#input || this.#closing) return;
    const chunk = this.#input.kind === 'ulaw' ? payloadBase64 : this.#caller!.decodeToBase64(payloadBase64);
    if (chunk) this.#sendRaw(`{"user_audio_chunk":"${chunk}"}`);
  }

  /**
   * The greeting is the agent's first message, spoken as soon as the conversation starts; an
   * agent without one is cued. Later requests (e.g. the time limit) go in as a user message. The
   * opening request of a conversation picking up a dropped one goes in as context instead: a user
   * message would interrupt the first message, and with it clear what the caller is still hearing
   * of the dropped conversation.
   */
  requestResponse(instructions?: string): void {
    const opening = !this.#opened;
    this.#opened = true;
    if (instructions && (this.#answered || !opening)) return this.sendText(instructions);
    if (instructions) this.#send({ type: 'contextual_update', text: instructions });
    if (this.#agentSpoke) return;
    clearTimeout(this.#greetingTimer);
    this.#greetingTimer = setTimeout(() => {
      if (!this.#agentSpoke) this.sendText(instructions ?? GREETING_CUE);
    }, this.#o.config.ELEVENLABS_FIRST_MESSAGE_GRACE_MS);
  }

  /**
   * A user message makes the agent answer it, cutting short whatever it was saying: the response
   * in progress is over now, so the next `response_done` is the answer's (the bridge's goodbye
   * waits on it), not the end of the cut response's quiet window or its `interruption`. Its
   * audio still on the way is dropped; its words stay pending for ElevenLabs' correction.
   */
  sendText(text: string): void {
    if (this.#generating) this.#retireResponse();
    this.#send({ type: 'user_message', text });
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#o.playback.off('idle', this.#onPlaybackIdle);
    this.#clearTimers();
    this.#finishAgentTurn();
    const ws = this.#ws;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) ws.close(1000, 'call ended');
    else this.#closure.expected();
  }

  #configureAudio(input: string, output: string): void {
    this.#input = audioFormat(input);
    this.#output = audioFormat(output);
    this.#caller = this.#input.kind === 'pcm' ? new TwilioToPcm(this.#input.rate) : undefined;
    this.#agent = this.#output.kind === 'pcm' ? new PcmToTwilio(this.#output.rate) : undefined;
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'audio':
        return this.#onAudio(message.audio_event.audio_base_64, message.audio_event.event_id);
      case 'agent_response':
        this.#finishAgentTurn();
        this.#agentSpoke = true;
        this.#agentText = message.agent_response_event.agent_response;
        return this.#stillGenerating();
      case 'agent_response_correction':
        if (this.#agentText === undefined) return;
        this.#agentText = message.agent_response_correction_event.corrected_agent_response;
        this.#awaitingCorrection = false;
        return this.#finishAgentTurn();
      case 'user_transcript': {
        // The caller has had their turn: the agent's response before it is over, however recent its last audio.
        if (this.#generating) this.#endResponse();
        this.#finishAgentTurn();
        const text = message.user_transcription_event.user_transcript.trim();
        if (text) this.emit('turn', { role: 'user', text });
        return;
      }
      case 'interruption':
        return this.#onInterruption(message.interruption_event.event_id);
      case 'ping':
        return this.#send({ type: 'pong', event_id: message.ping_event.event_id });
      case 'client_tool_call':
        return void this.#runTool(message.client_tool_call.tool_name, message.client_tool_call.tool_call_id, message.client_tool_call.parameters);
      case 'error': {
        const event = message.error_event;
        this.emit('error', { code: 'model_error', message: event?.message ?? event?.reason ?? message.message ?? `ElevenLabs error ${event?.code ?? ''}`.trim() });
        return;
      }
      case 'conversation_initiation_metadata':
      case 'other':
        return;
    }
  }

  #onAudio(base64: string, eventId: number): void {
    if (eventId <= this.#lastInterruptId) return;
    if (eventId !== this.#responseEventId) {
      this.#responseEventId = eventId;
      this.#o.playback.startResponse();
    }
    this.#agentSpoke = true;
    if (!this.#agent) this.#o.playback.playBase64(base64, this.#messageAtNs);
    else {
      this.#o.playback.playBase64(this.#agent.encodeBase64(base64), this.#messageAtNs);
      if (this.#tailTimer) this.#tailTimer.refresh();
      else this.#tailTimer = setTimeout(this.#releaseTail, TAIL_PAUSE_MS);
    }
    this.#stillGenerating();
  }

  readonly #releaseTail = () => {
    if (this.#generating && this.#agent) this.#o.playback.play(this.#agent.drain());
  };

  /**
   * Output is arriving. ElevenLabs never says a response is complete: it ends once its audio has
   * been quiet for a while, or earlier when the conversation moves on (the caller's transcript).
   */
  #stillGenerating(): void {
    this.#generating = true;
    clearTimeout(this.#quietTimer);
    this.#quietTimer = setTimeout(() => this.#endResponse(), this.#o.config.ELEVENLABS_RESPONSE_QUIET_MS);
  }

  #endResponse(): void {
    clearTimeout(this.#quietTimer);
    this.#messageAtNs = undefined;
    if (this.#agent) this.#o.playback.play(this.#agent.flush());
    this.#generating = false;
    this.#answered = true;
    this.#o.playback.endResponse();
    this.emit('response_done');
    this.#maybeFinishAgentTurn();
  }

  #retireResponse(): void {
    clearTimeout(this.#quietTimer);
    if (this.#responseEventId !== undefined) this.#lastInterruptId = Math.max(this.#lastInterruptId, this.#responseEventId);
    this.#agent?.reset();
    this.#generating = false;
    this.#answered = true;
    this.#o.playback.endResponse();
    this.#awaitCorrection();
  }

  #onInterruption(eventId: number): void {
    this.#lastInterruptId = Math.max(this.#lastInterruptId, eventId);
    this.#o.playback.interrupt();
    this.#agent?.reset();
    clearTimeout(this.#quietTimer);
    if (this.#generating) {
      this.#generating = false;
      this.#answered = true;
      this.emit('response_done');
    }
    this.#awaitCorrection();
  }

  /** The agent's words were cut: they become its turn as ElevenLabs corrects them, or as they are after a while. */
  #awaitCorrection(): void {
    if (this.#agentText === undefined) return;
    this.#awaitingCorrection = true;
    clearTimeout(this.#correctionTimer);
    this.#correctionTimer = setTimeout(() => {
      this.#awaitingCorrection = false;
      this.#finishAgentTurn();
    }, this.#o.config.ELEVENLABS_CORRECTION_WAIT_MS);
  }

  /** Everything sent has played (or was cleared): the agent's words may be final now. */
  readonly #onPlaybackIdle = () => this.#maybeFinishAgentTurn();

  /** The agent's turn is final when it finished playing (or was cut and corrected). */
  #maybeFinishAgentTurn(): void {
    if (!this.#generating && !this.#awaitingCorrection && !this.#o.playback.playing) this.#finishAgentTurn();
  }

  #finishAgentTurn(): void {
    const text = this.#agentText?.trim();
    this.#agentText = undefined;
    this.#awaitingCorrection = false;
    clearTimeout(this.#correctionTimer);
    if (text) this.emit('turn', { role: 'assistant', text });
  }

  async #runTool(name: string, toolCallId: string, parameters: Record<string, unknown>): Promise<void> {
    const result = await this.#o.tools.run(name, parameters);
    this.#send({ type: 'client_tool_result', tool_call_id: toolCallId, result: result.output, is_error: result.isError });
  }

  #onClosed(code: number, reason: string): void {
    this.#o.playback.off('idle', this.#onPlaybackIdle);
    // A response cut off by a drop: the audio that came before it still plays, to its last sample.
    if (this.#generating && this.#agent && !this.#closing) this.#o.playback.play(this.#agent.flush());
    this.#clearTimers();
    this.#finishAgentTurn();
    if (this.#closing) return this.#closure.expected();
    this.#closure.dropped({ code: 'model_disconnected', message: `ElevenLabs closed the conversation (${code}${reason ? `: ${reason}` : ''})` });
  }

  #clearTimers(): void {
    clearTimeout(this.#quietTimer);
    clearTimeout(this.#tailTimer);
    clearTimeout(this.#correctionTimer);
    clearTimeout(this.#greetingTimer);
  }

  #send(message: object): void {
    this.#sendRaw(JSON.stringify(message));
  }

  #sendRaw(json: string): void {
    if (this.#ws?.readyState !== WebSocket.OPEN) return;
    this.#writer!.send(json);
  }
}
