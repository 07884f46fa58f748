import { randomBytes } from 'node:crypto';
import alawmulaw from 'alawmulaw';
import { FakeSocket, rawToString, type FakeSessionOptions } from '../fake-common/fake-socket';
import { Listener } from '../fake-common/listener';
import { ScriptedAgent } from '../fake-common/scripted-agent';
import type { ScriptedToolCall } from '../fake-openai/scripts';
import { describeFormat, parseClientMessage, type AudioFormatName, type ClientMessage, type InitiationData } from './client-messages';
import type { ConversationCloseCause, ConversationStats } from './stats';
import { bytesToPcm16, pcm16ToBytes } from '../../media-service/audio/codec';

export interface ConversationFaults {
  /** Terminate the socket (no close frame) this long after it opened. */
  dropAfterMs?: number;
  /** Terminate the socket right after the Nth agent response finished. */
  dropAfterResponses?: number;
  /** LLM/TTS time before a response's first output. */
  responseDelayMs?: number;
}

/** How the fake agent is configured in its (imaginary) dashboard. */
export interface AgentConfig {
  /** The agent's own prompt, used when the client sends no override. */
  prompt: string;
  /** Its first message; undefined = the script's greeting, '' = wait for the user to speak. */
  firstMessage?: string;
  inputFormat: AudioFormatName;
  outputFormat: AudioFormatName;
  /** Which per-conversation overrides the agent's security settings allow. */
  allowOverrides: { prompt: boolean; firstMessage: boolean; voice: boolean };
  /** Client tools configured on the agent (the script sees these names). */
  clientTools: string[];
}

export interface ConversationOptions extends FakeSessionOptions<ConversationStats, ConversationFaults> {
  agent: AgentConfig;
  pingIntervalMs: number;
}

/** If the client sends nothing, the conversation starts with the agent's defaults after this. */
const INITIATION_WAIT_MS = 2_000;

/** One ElevenLabs agent conversation over the WebSocket, as the Agents Platform runs it. */
export class FakeConversation {
  readonly #o: ConversationOptions;
  readonly #stats: ConversationStats;
  readonly #input: { kind: 'pcm' | 'ulaw'; rate: number };
  readonly #output: { kind: 'pcm' | 'ulaw'; rate: number };
  readonly #listener: Listener;
  readonly #line: FakeSocket<ConversationCloseCause>;
  /** Each response goes out under one event id, with its text for the correction a barge-in sends. */
  readonly #agent: ScriptedAgent<{ eventId: number; text: string }>;
  #started = false;
  #eventId = 0;
  #responsesDone = 0;

  constructor(options: ConversationOptions) {
    this.#o = options;
    this.#stats = options.stats;
    this.#input = describeFormat(options.agent.inputFormat);
    this.#output = describeFormat(options.agent.outputFormat);
    this.#listener = new Listener(this.#input.rate);
    this.#line = new FakeSocket(options.socket, options.stats, () => this.#agent.stop());
    this.#agent = new ScriptedAgent({
      stats: options.stats,
      script: options.script,
      line: this.#line,
      speech: { sampleRate: this.#output.rate, chunkIntervalMs: options.audioChunkIntervalMs, startDelayMs: options.faults.responseDelayMs ?? 0 },
      wire: {
        scriptContext: () => ({ instructions: this.#stats.instructions, tools: [...options.agent.clientTools] }),
        heard: (text) => this.#send({ type: 'user_transcript', user_transcription_event: { user_transcript: text, event_id: ++this.#eventId } }),
        startUtterance: (text) => this.#startResponse(text),
        sendSpeech: ({ eventId }, samples) => this.#sendAudio(eventId, samples),
        interrupted: (response, spoken) => this.#sendInterruption(response, spoken),
        sendToolCall: (call) => this.#sendToolCall(call),
        turnEnded: (spoke) => {
          if (spoke) this.#responseDone();
        },
      },
    });
  }

  start(): void {
    this.#line.listen((data) => this.#receive(rawToString(data)), this.#o.faults.dropAfterMs);
    this.#line.after(INITIATION_WAIT_MS, () => this.#begin(undefined));
  }

  /** The server shuts down. */
  terminate(): void {
    this.#line.terminate();
  }

  #receive(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.#stats.invalidMessages.push(parsed.reason);
      return;
    }
    const message = parsed.message;
    if (!this.#started && message.type !== 'conversation_initiation_client_data') this.#begin(undefined);
    this.#handle(message);
  }

  #handle(message: ClientMessage): void {
    const stats = this.#stats;
    switch (message.type) {
      case 'conversation_initiation_client_data':
        if (!this.#started) this.#begin(message);
        return;
      case 'user_audio_chunk':
        return this.#onAudio(Buffer.from(message.audio, 'base64'));
      case 'pong':
        stats.pongsReceived += 1;
        return;
      case 'client_tool_result':
        return this.#onToolResult(message.tool_call_id, message.result, message.is_error);
      case 'contextual_update':
        stats.contextualUpdates.push(message.text);
        this.#agent.history.push({ role: 'user', text: `[context] ${message.text}` });
        return;
      case 'user_message':
        if (!message.text) return;
        stats.userMessages.push(message.text);
        this.#agent.interrupt();
        this.#agent.history.push({ role: 'user', text: message.text });
        return this.#agent.respond('user');
      case 'user_activity':
      case 'feedback':
        return;
    }
  }

  /** The conversation starts: overrides checked, metadata sent, pings, the first message. */
  #begin(initiation: InitiationData | undefined): void {
    if (this.#started || this.#line.closed) return;
    this.#started = true;
    const { agent } = this.#o;
    const stats = this.#stats;
    stats.initiation = initiation;
    const override = initiation?.conversation_config_override;
    const refused = [
      override?.agent?.prompt?.prompt !== undefined && !agent.allowOverrides.prompt ? 'prompt' : undefined,
      override?.agent?.first_message !== undefined && !agent.allowOverrides.firstMessage ? 'first_message' : undefined,
      override?.tts?.voice_id !== undefined && !agent.allowOverrides.voice ? 'voice_id' : undefined,
    ].find(Boolean);
    if (refused) return this.#line.close('override', 1008, `Override for field '${refused}' is not allowed by config.`);
    const variables = initiation?.dynamic_variables ?? {};
    stats.instructions = fill(override?.agent?.prompt?.prompt ?? agent.prompt, variables);
    stats.voiceId = override?.tts?.voice_id;
    this.#send({
      type: 'conversation_initiation_metadata',
      conversation_initiation_metadata_event: {
        conversation_id: stats.conversationId,
        agent_output_audio_format: agent.outputFormat,
        user_input_audio_format: agent.inputFormat,
      },
    });
    this.#line.every(this.#o.pingIntervalMs, () => {
      stats.pingsSent += 1;
      this.#send({ type: 'ping', ping_event: { event_id: ++this.#eventId, ping_ms: stats.pingsSent > 1 ? 40 : null } });
    });
    const firstMessage = override?.agent?.first_message ?? agent.firstMessage;
    if (firstMessage === '') return;
    if (firstMessage !== undefined) return this.#agent.speak(fill(firstMessage, variables));
    this.#agent.respond('greeting');
  }

  #onAudio(bytes: Buffer): void {
    const stats = this.#stats;
    stats.audioChunksReceived += 1;
    stats.audioBytesReceived += bytes.length;
    const samples = this.#input.kind === 'ulaw' ? alawmulaw.mulaw.decode(bytes) : bytesToPcm16(bytes);
    stats.timeline.received.add(samples.length / (this.#input.rate / 1000), bytes);
    this.#agent.hear(this.#listener.hear(samples));
  }

  /** One agent response: its text first (`agent_response`), then its audio, all under one event id. */
  #startResponse(text: string): { eventId: number; text: string } {
    const eventId = ++this.#eventId;
    this.#stats.responses += 1;
    this.#send({ type: 'agent_response', agent_response_event: { agent_response: text, event_id: eventId } });
    return { eventId, text };
  }

  #sendAudio(eventId: number, samples: Int16Array): void {
    const stats = this.#stats;
    const bytes = this.#output.kind === 'ulaw' ? Buffer.from(alawmulaw.mulaw.encode(samples)) : pcm16ToBytes(samples);
    stats.audioEventsSent += 1;
    stats.audioBytesSent += bytes.length;
    stats.timeline.sent.add(samples.length / (this.#output.rate / 1000), bytes);
    this.#send({ type: 'audio', audio_event: { audio_base_64: bytes.toString('base64'), event_id: eventId } });
  }

  /** The caller talked over the agent: `interruption`, then the agent's words corrected to what was said. */
  #sendInterruption({ eventId, text }: { eventId: number; text: string }, spoken: string): void {
    this.#send({ type: 'interruption', interruption_event: { event_id: eventId } });
    const corrected = spoken ? `${spoken}...` : '...';
    this.#send({
      type: 'agent_response_correction',
      agent_response_correction_event: { original_agent_response: text, corrected_agent_response: corrected, event_id: eventId },
    });
  }

  #sendToolCall(call: ScriptedToolCall): string {
    const toolCallId = `toolu_${randomBytes(10).toString('hex')}`;
    this.#send({
      type: 'client_tool_call',
      client_tool_call: { tool_name: call.name, tool_call_id: toolCallId, parameters: call.arguments, event_id: ++this.#eventId },
    });
    return toolCallId;
  }

  #responseDone(): void {
    this.#responsesDone += 1;
    const { dropAfterResponses } = this.#o.faults;
    if (dropAfterResponses !== undefined && this.#responsesDone >= dropAfterResponses) this.#line.dropWhenFlushed();
  }

  #onToolResult(toolCallId: string, result: unknown, isError: boolean | undefined): void {
    const name = this.#agent.takeToolCall(toolCallId);
    if (name === undefined) {
      this.#stats.invalidMessages.push(`client_tool_result for unknown tool_call_id ${toolCallId}`);
      return;
    }
    this.#stats.toolResults.push({ tool_call_id: toolCallId, result, is_error: isError });
    this.#agent.history.push({ role: 'tool', text: typeof result === 'string' ? result : JSON.stringify(result), toolName: name });
    this.#agent.continueAfterTools();
  }

  #send(message: object): void {
    if (!this.#line.open) return;
    this.#o.onSend?.(message);
    this.#line.send(JSON.stringify(message));
  }
}

/** `{{name}}` placeholders filled from the conversation's dynamic variables. */
function fill(template: string, variables: Record<string, string | number | boolean>): string {
  return template.replace(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g, (match, name: string) => (name in variables ? String(variables[name]) : match));
}

