import type { z } from 'zod';
import type { initiateRequestSchema } from '../shared/call-record';
import type { CallTool } from '../shared/call-tools';
import { scenarioMarker } from './scenario-scripts';
import type { CallBehaviour, CalleeScript } from './twilio-sim';

/** The simulated callee of the main demo: two answers, then it waits for the agent's goodbye. */
export const DEFAULT_CALLEE: CalleeScript = {
  utterances: ['Yes, this is Sam speaking. I have a minute.', 'Tuesday afternoon works best for me.'],
  hangUpAfterAgentTurns: 3,
  maxCallMs: 60_000,
};

/** A demo call: what the stack needs, what the phone at the other end does, and the initiate body. */
export interface Scenario {
  summary: string;
  /** Settings the stack is started with (e.g. the calendar tools switched on). */
  env: Record<string, string>;
  behaviour: CallBehaviour;
  /** Initiate fields besides callbackId and to. */
  request: Omit<z.input<typeof initiateRequestSchema>, 'callbackId' | 'to' | 'tools'>;
  /** Per-call tools, served by a local tool server (which supplies each URL) answering with `answer`. */
  tools?: ScenarioTool[];
}

export interface ScenarioTool extends Omit<CallTool, 'url' | 'timeoutMs'> {
  answer(args: Record<string, unknown>): unknown;
}

const AVA = 'Your name is Ava from Northwind Dental.';

export const SCENARIOS = {
  conversation: {
    summary: 'a short conversation: greeting, two answers, goodbye',
    env: {},
    behaviour: { kind: 'answer', callee: DEFAULT_CALLEE },
    request: { instructions: `${AVA} You are calling {{name}} to confirm a cleaning appointment.`, variables: { name: 'Sam' } },
  },
  'book-meeting': {
    summary: 'check_availability, schedule_meeting, send_sms confirmation, end_call; with post-call analysis',
    env: { ENABLE_CALENDAR_TOOLS: 'true' },
    behaviour: {
      kind: 'answer',
      callee: { utterances: ['Yes, I have a minute.', 'The first one, please.'], stayOnLine: true, maxCallMs: 90_000 },
    },
    request: {
      instructions: `${scenarioMarker('book-meeting')} ${AVA} You are calling {{name}} to book a follow-up visit. Check availability, book the time they pick, text them a confirmation, then say goodbye and end the call.`,
      variables: { name: 'Sam' },
      analysis: {
        schema: {
          type: 'object',
          properties: {
            outcome: { type: 'string', enum: ['booked', 'declined', 'undecided'] },
            bookedTime: { type: 'string' },
            notes: { type: 'string', maxLength: 500 },
          },
          required: ['outcome', 'notes'],
          additionalProperties: false,
        },
        successCriterion: 'A visit was booked and the callee agreed to the time.',
      },
    },
  },
  silence: {
    summary: 'the callee says nothing: after silenceTimeoutSeconds the agent asks once, then says goodbye and hangs up (endReason silence_timeout)',
    env: {},
    behaviour: { kind: 'answer', callee: { utterances: [], stayOnLine: true, maxCallMs: 60_000 } },
    request: { instructions: `${AVA} You are calling {{name}} to confirm a cleaning appointment.`, variables: { name: 'Sam' }, silenceTimeoutSeconds: 6 },
  },
  voicemail: {
    summary: 'an answering machine picks up: the voicemail message is left after the beep',
    env: {},
    behaviour: { kind: 'machine' },
    request: {
      machineDetection: true,
      voicemailMessage: 'Hi Sam, this is Ava from Northwind Dental. Please call us back to book your cleaning. Thank you!',
      instructions: `${AVA} You are calling {{name}} to book a cleaning.`,
      variables: { name: 'Sam' },
    },
  },
  transfer: {
    summary: 'the callee asks for a person: the agent says so and transfers the call with <Dial>',
    env: {},
    behaviour: { kind: 'answer', callee: { utterances: ['Can I speak to a person, please?'], stayOnLine: true, maxCallMs: 60_000 } },
    request: {
      instructions: `${scenarioMarker('transfer')} ${AVA} You are calling {{name}}. If they ask for a person, tell them and transfer the call.`,
      variables: { name: 'Sam' },
      transferTo: '+15005550123',
    },
  },
  'custom-tool': {
    summary: "the agent calls the orchestrator's own HTTP tool (a signed POST to a local tool server) and reads out its answer",
    env: {},
    behaviour: { kind: 'answer', callee: { utterances: ['Where is my order 4417?'], stayOnLine: true, maxCallMs: 60_000 } },
    request: {
      instructions: `${scenarioMarker('custom-tool')} ${AVA} You are calling {{name}} about their order. Use lookup_order to answer questions about it.`,
      variables: { name: 'Sam' },
    },
    tools: [
      {
        name: 'lookup_order',
        description: "Looks up one of the callee's orders: its status and when it arrives.",
        parameters: {
          type: 'object',
          properties: { question: { type: 'string', description: 'What the callee asked, with the order number' } },
          required: ['question'],
          additionalProperties: false,
        },
        answer: () => ({ status: 'shipped', arrives: 'Friday' }),
      },
    ],
  },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}
