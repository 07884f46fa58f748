import type { AgentScript, AgentScriptContext, ScriptedToolCall, ScriptHistoryEntry } from '../fake-openai/scripts';
import type { HeardEvent } from './listener';
import type { FakeSessionStats } from './session-stats';
import { SpokenTurn } from './spoken-turn';

/**
 * A fake's own protocol messages for each step of the agent's turn-taking. `Utterance` is what
 * one spoken response goes out under (an event id, say).
 */
export interface AgentWire<Utterance> {
  /** What the script sees of the session besides its history and the trigger. */
  scriptContext(): Omit<AgentScriptContext, 'history' | 'trigger'>;
  /** The caller's words, as the fake transcribed them. */
  heard(text: string): void;
  /** A response begins: announced as the protocol does. */
  startUtterance(text: string): Utterance;
  /** One chunk of the response's speech and the part of its text the chunk carries. */
  sendSpeech(utterance: Utterance, samples: Int16Array, textDelta: string): void;
  /** The caller talked over the response; `spoken` is the part already said. */
  interrupted(utterance: Utterance, spoken: string): void;
  /** Sends a tool call; returns the id its result will carry. */
  sendToolCall(call: ScriptedToolCall): string;
  /** A turn is over: its response was spoken whole (`spoke`), or the script had nothing to say. */
  turnEnded(spoke: boolean): void;
}

type AgentStats = Pick<FakeSessionStats<string>, 'userTranscripts' | 'assistantTranscripts' | 'ended'> & {
  interruptions: number;
  toolCallsIssued: number;
};

export interface ScriptedAgentOptions<Utterance> {
  stats: AgentStats;
  script: AgentScript;
  wire: AgentWire<Utterance>;
  /** The session's socket: once it has closed, the agent hears nothing more. */
  line: { readonly closed: boolean };
  /** How the agent's speech is produced: output sample rate, chunk gap and thinking time. */
  speech: { sampleRate: number; chunkIntervalMs: number; startDelayMs: number };
}

/**
 * The fake agent's turn-taking, alike in every fake that hears the caller itself: it answers each
 * utterance when it has the floor, yields it when the caller talks over it, waits for every tool
 * result before going on, and keeps the history its script reads.
 */
export class ScriptedAgent<Utterance> {
  /** The conversation as the script sees it. */
  readonly history: ScriptHistoryEntry[] = [];
  readonly #o: ScriptedAgentOptions<Utterance>;
  readonly #pendingTools = new Map<string, string>();
  #speaking: { turn: SpokenTurn; utterance: Utterance } | undefined;

  constructor(options: ScriptedAgentOptions<Utterance>) {
    this.#o = options;
  }

  /** What the caller's audio carried: speech starting barges in, a finished utterance is the caller's turn. */
  hear(events: Iterable<HeardEvent>): void {
    for (const event of events) {
      if (event.type === 'speech_started') this.interrupt();
      else this.#onUtterance(event.text);
      if (this.#o.line.closed) return;
    }
  }

  /** The agent stops speaking; the history keeps what it said before the cut. */
  interrupt(): void {
    const speaking = this.#speaking;
    if (!speaking) return;
    this.#speaking = undefined;
    const spoken = speaking.turn.cancel();
    const { stats, wire } = this.#o;
    stats.interruptions += 1;
    if (spoken) {
      this.history.push({ role: 'assistant', text: spoken });
      stats.assistantTranscripts.push(spoken);
    }
    wire.interrupted(speaking.utterance, spoken);
  }

  /** Asks the script for the next turn and carries it out: a tool call, or a spoken response. */
  respond(trigger: AgentScriptContext['trigger']): void {
    const { stats, script, wire } = this.#o;
    const turn = stats.ended ? undefined : script.next({ ...wire.scriptContext(), history: this.history.map((entry) => ({ ...entry })), trigger });
    if (!turn) return wire.turnEnded(false);
    if ('call' in turn) return this.#callTool(turn.call);
    this.speak(turn.say, turn.end === true, turn.andCall);
  }

  /** One spoken response; `ends` marks the agent's last words, `andCall` a tool it calls once they are said. */
  speak(text: string, ends = false, andCall?: ScriptedToolCall): void {
    const { stats, wire, speech } = this.#o;
    const utterance = wire.startUtterance(text);
    const turn = new SpokenTurn({
      text,
      ...speech,
      onChunk: (samples, delta) => wire.sendSpeech(utterance, samples, delta),
      onDone: () => {
        if (this.#speaking?.turn !== turn) return;
        this.#speaking = undefined;
        this.history.push({ role: 'assistant', text });
        stats.assistantTranscripts.push(text);
        if (ends) stats.ended = true;
        // Speaking and then calling a tool in the same response, as the real models do with a goodbye and end_call.
        if (andCall) this.#callTool(andCall);
        wire.turnEnded(true);
      },
    });
    this.#speaking = { turn, utterance };
    turn.start();
  }

  /** Marks the tool call `id` answered; returns the name it was called by, or undefined when no such call is pending. */
  takeToolCall(id: string): string | undefined {
    const name = this.#pendingTools.get(id);
    this.#pendingTools.delete(id);
    return name;
  }

  /** Goes on once every tool call has its result and nothing is being said. */
  continueAfterTools(): void {
    if (this.#pendingTools.size === 0 && !this.#speaking) this.respond('tool_output');
  }

  /** The session closed: the response under way stops. */
  stop(): void {
    this.#speaking?.turn.cancel();
    this.#speaking = undefined;
  }

  #onUtterance(text: string): void {
    this.history.push({ role: 'user', text });
    this.#o.stats.userTranscripts.push(text);
    this.#o.wire.heard(text);
    if (!this.#speaking && this.#pendingTools.size === 0) this.respond('user');
  }

  #callTool(call: ScriptedToolCall): void {
    const id = this.#o.wire.sendToolCall(call);
    this.#pendingTools.set(id, call.name);
    this.#o.stats.toolCallsIssued += 1;
  }
}
