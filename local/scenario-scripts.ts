import { BUILT_IN_TOOL_NAMES } from '../shared/call-tools';
import { minimalInstance } from './fake-openai/json-schema-instance';
import { CLOSING_LINE, conversationScript, greetingFor, type AgentScript, type ScriptHistoryEntry } from './fake-openai/scripts';

/**
 * What the fake model does in each demo scenario. Scripts are shared by every session, so
 * each decides from the conversation so far (what the callee said, what the tools returned),
 * never from state of its own. The session's instructions pick the script: a
 * `[scenario:name]` marker, which the demo and the tests put into the per-call instructions.
 */

const MARKER = /\[scenario:([a-z0-9-]+)\]/;

export function scenarioMarker(name: string): string {
  return `[scenario:${name}]`;
}

/** The script a session's instructions name, else `fallback`. */
export function scenarioDispatcher(scripts: Record<string, AgentScript>, fallback: AgentScript): AgentScript {
  return {
    next(ctx) {
      const name = MARKER.exec(ctx.instructions)?.[1];
      return (name && scripts[name] ? scripts[name] : fallback).next(ctx);
    },
  };
}

type Slot = { start: string; spoken: string };

/** What the callee said (keypad notices from the bridge are not speech). */
function calleeTurns(history: ScriptHistoryEntry[]): ScriptHistoryEntry[] {
  return history.filter((entry) => entry.role === 'user' && !entry.text.startsWith('The caller pressed'));
}

function lastOutput(history: ScriptHistoryEntry[], tool: string): Record<string, any> | undefined {
  const entry = history.findLast((e) => e.role === 'tool' && e.toolName === tool);
  if (!entry) return undefined;
  try {
    return JSON.parse(entry.text) as Record<string, any>;
  } catch {
    return { error: entry.text };
  }
}

const endCall = (reason: string) => ({ name: 'end_call', arguments: { reason } });

/** Greets, checks availability, books the first slot the callee accepts, texts a confirmation, says goodbye and hangs up. */
export const bookMeetingScript: AgentScript = {
  next({ instructions, history, trigger }) {
    if (trigger === 'greeting') return { say: greetingFor(instructions) };
    if (trigger === 'user') {
      const heard = calleeTurns(history).length;
      const offered: Slot | undefined = lastOutput(history, 'check_availability')?.slots?.[0];
      if (heard === 1) return { call: { name: 'check_availability', arguments: {} } };
      if (heard === 2 && offered) return { call: { name: 'schedule_meeting', arguments: { start: offered.start, title: 'Follow-up visit' } } };
      return { say: CLOSING_LINE, end: true, andCall: endCall('conversation over') };
    }
    const last = history.at(-1);
    const output = last?.toolName ? lastOutput(history, last.toolName) : undefined;
    switch (last?.toolName) {
      case 'check_availability': {
        const slots: Slot[] = output?.slots ?? [];
        if (slots.length === 0) return { say: 'Sorry, I have no free time this week. We will call you back. Goodbye!', end: true, andCall: endCall('no availability') };
        const choices = slots.slice(0, 2).map((slot) => slot.spoken).join(' or ');
        return { say: `I have ${choices}. Which one suits you?` };
      }
      case 'schedule_meeting':
        if (output?.error) return { say: 'Sorry, that time was just taken. We will call you back. Goodbye!', end: true, andCall: endCall('slot taken') };
        return { call: { name: 'send_sms', arguments: { message: `Northwind Dental: your visit is booked for ${output?.spoken}. See you then!` } } };
      case 'send_sms': {
        const booked = lastOutput(history, 'schedule_meeting')?.spoken ?? 'then';
        return { say: `You are booked for ${booked}. I sent you a text. Goodbye!`, end: true, andCall: endCall('meeting booked') };
      }
      default:
        return undefined;
    }
  },
};

/** Greets; when the callee asks for a person, says so and transfers the call. */
export const transferScript: AgentScript = {
  next({ instructions, history, trigger }) {
    if (trigger === 'greeting') return { say: greetingFor(instructions) };
    if (trigger === 'user') {
      return { say: 'Of course. I am transferring you to a colleague now.', andCall: { name: 'transfer_call', arguments: { reason: 'caller asked for a person' } } };
    }
    if (lastOutput(history, 'transfer_call')?.error) {
      return { say: 'Sorry, the transfer did not work. A colleague will call you back. Goodbye!', end: true, andCall: endCall('transfer failed') };
    }
    return undefined;
  },
};

/** What the agent says back from a tool's answer: its fields read out, or the failure sentence it was given. */
export function spokenToolAnswer(output: Record<string, any> | undefined): string {
  if (output?.error) return `Sorry. ${String(output.error).split('. ')[0]!.replace(/\.$/, '')}.`;
  const fields = Object.entries(output ?? {}).map(([key, value]) => `${key.replace(/_/g, ' ')} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  return `Here is what I found: ${fields.join(', ') || 'nothing'}.`;
}

/**
 * Greets; after the callee's first answer calls the call's first own (per-call) tool, with
 * arguments built from its schema and string fields filled with what the callee said; then
 * reads out the answer (or the failure) and ends the call.
 */
export const customToolScript: AgentScript = {
  next({ instructions, history, trigger, tools, toolSchemas }) {
    if (trigger === 'greeting') return { say: greetingFor(instructions) };
    const own = tools.find((name) => !(BUILT_IN_TOOL_NAMES as readonly string[]).includes(name));
    if (trigger === 'user') {
      const said = calleeTurns(history).at(-1)?.text ?? '';
      if (own && !history.some((entry) => entry.toolName === own)) {
        const args = minimalInstance(toolSchemas?.[own] ?? { type: 'object' }, { stringFor: () => said }) as Record<string, unknown>;
        return { call: { name: own, arguments: args } };
      }
      return { say: CLOSING_LINE, end: true, andCall: endCall('conversation over') };
    }
    if (own && history.at(-1)?.toolName === own) {
      return { say: `${spokenToolAnswer(lastOutput(history, own))} Goodbye!`, end: true, andCall: endCall('answer given') };
    }
    return undefined;
  },
};

/** The fake model's script in the embedded stack: the scenario the instructions name, else the plain conversation. */
export const scenarioAgent = scenarioDispatcher(
  { 'book-meeting': bookMeetingScript, transfer: transferScript, 'custom-tool': customToolScript },
  conversationScript,
);
