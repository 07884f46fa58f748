import { EventEmitter } from 'node:events';
import { primaryLanguage } from '../../shared/languages';
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents/realtime';
import { TwilioRealtimeTransportLayer } from '@openai/agents-extensions';
import { toolParametersJsonSchema } from '../tools/json-schema';
import { twilioOutboundSchema } from '../twilio-stream';
import { CallerInputPadding, OpenAIAgentAudio } from './openai-audio';
import { OpenAIRealtimeSocket, type ServerEvent } from './openai-socket';
import type { ProviderEvents, ProviderSession, ProviderSessionOptions } from './types';

type Listener = (event: { data: string }) => void;

/**
 * Stands in for the Twilio WebSocket that TwilioRealtimeTransportLayer expects. The bridge
 * owns the real socket (it validates every frame); it hands the transport the frames it
 * needs, and what the transport sends goes to Twilio through the call's playback.
 */
class TwilioSocketFacade {
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly toTwilio: (data: string) => void) {}

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.toTwilio(data);
  }

  deliver(message: object): void {
    const data = JSON.stringify(message);
    for (const listener of this.listeners.get('message') ?? []) listener({ data });
  }

  end(): void {
    for (const listener of this.listeners.get('close') ?? []) listener({ data: '' });
  }
}

/** The Twilio transport, noting when each model message arrives (for outbound latency). */
class TimedTwilioTransport extends TwilioRealtimeTransportLayer {
  lastMessageAtNs = 0n;

  override _onMessage(event: MessageEvent): void {
    this.lastMessageAtNs = process.hrtime.bigint();
    super._onMessage(event);
  }
}

/** The realtime URL of an OpenAI-compatible API base (`https://…/v1` → `wss://…/v1/realtime`). */
export function realtimeUrl(baseUrl: string, model: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/realtime`);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  url.searchParams.set('model', model);
  return url.toString();
}

/**
 * OpenAI Realtime through the Agents SDK: RealtimeSession over TwilioRealtimeTransportLayer.
 * The SDK runs the session (configuration, tools, turns, interruption); audio, fifty frames a
 * second each way, bypasses its per-message work: caller frames are appended to the model
 * socket as Twilio's base64, and the model's audio deltas go to the caller's playback as
 * received (see OpenAIRealtimeSocket).
 */
export class OpenAIProviderSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  private readonly socket: TwilioSocketFacade;
  private readonly session: RealtimeSession;
  private readonly transport: TimedTwilioTransport;
  private readonly agentAudio: OpenAIAgentAudio;
  private readonly input: CallerInputPadding;
  private model: OpenAIRealtimeSocket | undefined;
  private closing = false;
  /** The response being generated (from its `response.created` to its `response.done`), and whether it is already being cancelled. */
  private generating: { id: string | undefined; cut: boolean } | undefined;
  /** A response asked for while another was being generated: created once that one is done. */
  private queued: { instructions?: string } | undefined;

  constructor(private readonly options: ProviderSessionOptions) {
    super();
    this.socket = new TwilioSocketFacade((data) => this.forwardToTwilio(data));
    // A barge-in noticed as the model drops has nobody to tell what was heard.
    this.agentAudio = new OpenAIAgentAudio(options.playback, (event) => this.transport.status === 'connected' && this.transport.sendEvent(event));
    this.input = new CallerInputPadding((payload) => this.model?.appendAudio(payload));
    this.transport = new TimedTwilioTransport({
      twilioWebSocket: this.socket as unknown as WebSocket,
      url: realtimeUrl(options.config.OPENAI_BASE_URL, options.model),
      useInsecureApiKey: true,
      // Every listener the SDK adds to its socket is guarded: a throw while it handles a model event ends this call only.
      createWebSocket: async ({ url, apiKey }) => {
        this.model = new OpenAIRealtimeSocket(url, apiKey, {
          audioDelta: (delta) => this.agentAudio.delta(delta),
          adapterEvent: (event) => this.onServerEvent(event),
          fault: this.onFault,
        });
        return this.model.ws;
      },
    });
    const agent = new RealtimeAgent({
      name: 'Caller Engine agent',
      instructions: options.instructions,
      voice: options.voice,
      tools: options.tools.definitions.map((definition) =>
        tool({
          name: definition.name,
          description: definition.description,
          parameters: toolParametersJsonSchema(definition) as never,
          strict: false,
          execute: async (args: unknown) => (await options.tools.run(definition.name, args)).output,
        }),
      ),
    });
    this.session = new RealtimeSession(agent, {
      transport: this.transport,
      model: options.model,
      // Twilio speaks μ-law 8 kHz both ways. The session's own default (24 kHz PCM) would
      // otherwise win over the transport's μ-law fallback, so both formats are set here.
      config: {
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            transcription: { model: 'gpt-4o-mini-transcribe', ...(options.language ? { language: primaryLanguage(options.language) } : {}) },
            turnDetection: { type: 'semantic_vad' },
          },
          output: { format: { type: 'audio/pcmu' }, voice: options.voice },
        },
      },
    });
    this.session.on('transport_event', (event) => this.onServerEvent(event as ServerEvent));
    this.session.on('error', (event) => this.emit('error', { code: 'model_error', message: describe(event.error) }));
    this.transport.on('connection_change', (status) => {
      if (status === 'disconnected') this.emit('closed', { expected: this.closing });
    });
    options.playback.on('mark', this.onMarkPlayed);
  }

  async connect(): Promise<void> {
    await this.session.connect({ apiKey: this.options.config.OPENAI_API_KEY ?? '', model: this.options.model });
    this.socket.deliver({
      event: 'start',
      start: { streamSid: this.options.playback.streamSid, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
    });
  }

  sendAudio(payloadBase64: string, timestampMs: number | undefined): void {
    if (this.transport.status !== 'connected' || !this.model) return;
    this.input.frame(timestampMs, payloadBase64);
    this.model.appendAudio(payloadBase64);
  }

  private readonly onFault = (error: Error) => {
    this.options.log.error('The Agents SDK threw while handling a model event', { error });
    this.emit('fault', error);
  };

  /** The transport counts what played from the echoes of its own marks. */
  private readonly onMarkPlayed = (name: string) => this.socket.deliver({ event: 'mark', mark: { name } });

  /**
   * The model generates one response at a time (a second `response.create` is refused). One asked
   * for while another is being generated (a goodbye as the agent talks) cuts that one short and
   * follows it; the cut response's end is not reported, so the next `response_done` is the new one's.
   */
  requestResponse(instructions?: string): void {
    const current = this.generating;
    if (!current) return this.createResponse(instructions);
    this.queued = { instructions };
    if (current.cut) return;
    current.cut = true;
    this.agentAudio.bargeIn();
    this.transport.sendEvent({ type: 'response.cancel', ...(current.id ? { response_id: current.id } : {}) });
  }

  private createResponse(instructions: string | undefined): void {
    this.transport.sendEvent({ type: 'response.create', ...(instructions ? { response: { instructions } } : {}) });
  }

  sendText(text: string): void {
    this.session.sendMessage(text);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.options.playback.off('mark', this.onMarkPlayed);
    this.agentAudio.close();
    this.input.close();
    this.socket.end();
    this.session.close();
  }

  private forwardToTwilio(data: string): void {
    const parsed = twilioOutboundSchema.safeParse(JSON.parse(data));
    // The transport clears Twilio when it interrupts a response; the audio it would clear is ours.
    if (parsed.success && parsed.data.event === 'clear') return this.agentAudio.bargeIn();
    // The transport writes to Twilio synchronously while handling the model's message.
    if (parsed.success) this.options.playback.relay(parsed.data, this.transport.lastMessageAtNs);
    else this.options.log.warn('Transport produced a message Twilio would refuse; dropped', { data: data.slice(0, 200) });
  }

  /** The server events this adapter acts on, whether the SDK handled them first or never saw them (see OpenAIRealtimeSocket). */
  private onServerEvent(event: ServerEvent): void {
    switch (event.type) {
      // Seen before the transport acts on them (its interruption runs after this).
      case 'input_audio_buffer.speech_started':
        this.input.speechStarted();
        this.agentAudio.bargeIn();
        // The server cancels the response in progress itself.
        if (this.generating) this.generating.cut = true;
        break;
      case 'input_audio_buffer.speech_stopped':
        this.input.speechStopped();
        break;
      case 'response.created':
        this.generating = { id: responseIdOf(event), cut: false };
        this.agentAudio.responseCreated(responseIdOf(event));
        break;
      case 'conversation.item.input_audio_transcription.completed':
        this.emitTurn('user', event.transcript);
        break;
      case 'response.output_audio_transcript.done':
        this.emitTurn('assistant', event.transcript);
        break;
      case 'response.done':
        this.agentAudio.responseDone(responseIdOf(event));
        this.onResponseDone(responseIdOf(event));
        break;
      default:
        break;
    }
  }

  private onResponseDone(id: string | undefined): void {
    if (this.generating && this.generating.id !== id) return void this.emit('response_done');
    this.generating = undefined;
    const queued = this.queued;
    this.queued = undefined;
    if (queued) this.createResponse(queued.instructions);
    else this.emit('response_done');
  }

  private emitTurn(role: 'user' | 'assistant', transcript: unknown): void {
    if (typeof transcript === 'string' && transcript.trim()) this.emit('turn', { role, text: transcript.trim() });
  }
}

function responseIdOf(event: ServerEvent): string | undefined {
  const id = (event.response as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
