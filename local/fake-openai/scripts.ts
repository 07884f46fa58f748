export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * What the fake model does next. `end: true` marks its last words: later turns stay silent.
 * `say` with `andCall` speaks and then calls the tool in the same response, as the real model
 * does with "Goodbye!" followed by end_call (fakes that cannot do both just speak).
 */
export type AgentTurn = { say: string; end?: true; andCall?: ScriptedToolCall } | { call: ScriptedToolCall };

export interface ScriptHistoryEntry {
  role: 'user' | 'assistant' | 'tool';
  text: string;
  /** For `tool` entries: the function whose output `text` is. */
  toolName?: string;
}

export interface AgentScriptContext {
  instructions: string;
  tools: string[];
  /** Each offered tool's parameters (JSON Schema), by name, as the session declared them. */
  toolSchemas?: Record<string, unknown>;
  history: ScriptHistoryEntry[];
  trigger: 'greeting' | 'user' | 'tool_output';
}

export interface AgentScript {
  /** Returns undefined to stay silent (the response completes with no output). */
  next(ctx: AgentScriptContext): AgentTurn | undefined;
}

export const GENERIC_GREETING = 'Hello! This is your assistant calling. Do you have a minute?';
export const CLOSING_LINE = 'Thanks for your time. Goodbye!';
/** What the agent says first on a session that replaces one that dropped mid-call. */
export const RESUMED_LINE = 'Sorry, the line dropped for a moment. As I was saying, do you have a minute?';
/** Instructions, or a request in the conversation, that say the call is being picked up after a drop. */
const RESUMING = /already in progress|apologi[sz]e for the interruption/i;
const MAX_QUOTE_CHARS = 120;

/** Capitalised words: "Ava Stone", "Northwind Dental". */
const NAME = String.raw`[A-Z][\w'&-]*(?: [A-Z][\w'&-]*)*`;
const AGENT = new RegExp(String.raw`(?:\b[Yy]our name is|\b[Yy]ou are) (${NAME})(?: from (${NAME}))?`);
const CALLING = new RegExp(String.raw`\bcalling (${NAME})(?: (to [^.!?\n]{3,100}))?`);

/**
 * What a realtime model would open with, read from instructions such as "Your name is Ava." or
 * "You are Ava from Northwind Dental calling Sam to confirm an appointment.": the agent's name,
 * organisation, the callee's name and the purpose, where the instructions give them.
 */
export function greetingFor(instructions: string): string {
  const agent = AGENT.exec(instructions);
  if (!agent) return GENERIC_GREETING;
  const [, name, organisation] = agent;
  const [, callee, purpose] = CALLING.exec(instructions) ?? [];
  return [
    `Hi${callee ? ` ${callee}` : ''}, this is ${name}${organisation ? ` from ${organisation}` : ''}.`,
    ...(purpose ? [`I'm calling ${purpose}.`] : []),
    'Do you have a minute?',
  ].join(' ');
}

/**
 * The main demo: a greeting from the instructions, a reply quoting what the callee said,
 * then the closing line after the callee's second utterance. A session picking up a dropped
 * call does as its instructions say: no second greeting, a short apology instead.
 */
export const conversationScript: AgentScript = {
  next({ instructions, history, trigger }) {
    const last = history.at(-1);
    if (trigger === 'greeting') return { say: RESUMING.test(instructions) ? RESUMED_LINE : greetingFor(instructions) };
    if (trigger === 'user' && last?.role === 'user' && RESUMING.test(last.text)) return { say: RESUMED_LINE };
    if (trigger === 'tool_output') return { say: 'Done.' };
    const userTurns = history.filter((entry) => entry.role === 'user' && !RESUMING.test(entry.text));
    if (userTurns.length >= 2) return { say: CLOSING_LINE, end: true };
    const heard = userTurns.at(-1)?.text ?? '';
    return { say: `You said "${heard.slice(0, MAX_QUOTE_CHARS)}". Could you tell me more?` };
  },
};
