import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSING_LINE, conversationScript, GENERIC_GREETING } from '../local/fake-openai/scripts';
import { scenarioDispatcher, scenarioMarker } from '../local/scenario-scripts';
import { DEFAULT_CALLEE } from '../local/scenarios';
import type { LocalStack } from '../local/stack';
import type { CalleeScript } from '../local/twilio-sim';
import type { CallCompletedEvent } from '../shared/events';
import type { RealtimeProvider } from '../shared/providers';
import { smsScript } from './support/scripts';
import { initiate, startTestStack, TEST_TIME_SCALE, uniqueId, waitForEvent } from './support/stack';

/**
 * What every provider adapter must do, driven through the embedded stack with each provider's
 * fake: greet first (once), transcribe turns both ways, truncate the agent on barge-in, round-trip
 * a tool call, reconnect when the model drops, and close cleanly.
 */

/** What the conformance checks read from a fake's record of one model session. */
interface SessionView {
  closedBy?: string;
  /** How often the model was interrupted (OpenAI: items truncated). */
  interruptions: number;
  /** The system instructions the session was opened with. */
  instructions: string;
}

interface ProviderCase {
  provider: RealtimeProvider;
  /** The callee's speed for this provider's calls. */
  timeScale: number;
  sessions(stack: LocalStack): SessionView[];
  /** Makes the fake generate in real time (on the call's clock), so the callee can cut into its speech. */
  generateInRealTime(stack: LocalStack, on: boolean): void;
}

const REAL_TIME_CHUNKS = 100;

const CASES: ProviderCase[] = [
  {
    provider: 'openai',
    timeScale: TEST_TIME_SCALE,
    sessions: (stack) => stack.fakes.openai!.stats.sessions.map((s) => ({ closedBy: s.closedBy, interruptions: s.truncationsReceived, instructions: s.instructions })),
    generateInRealTime: (stack, on) => stack.fakes.openai!.configure({ audioChunkIntervalMs: on ? REAL_TIME_CHUNKS : undefined }),
  },
  {
    provider: 'gemini',
    timeScale: TEST_TIME_SCALE,
    sessions: (stack) => stack.fakes.gemini!.stats.sessions.map((s) => ({ closedBy: s.closedBy, interruptions: s.interruptions, instructions: s.instructions })),
    generateInRealTime: (stack, on) => stack.fakes.gemini!.configure({ audioChunkIntervalMs: on ? REAL_TIME_CHUNKS : undefined }),
  },
  {
    provider: 'elevenlabs',
    timeScale: TEST_TIME_SCALE,
    sessions: (stack) => stack.fakes.elevenlabs!.stats.conversations.map((s) => ({ closedBy: s.closedBy, interruptions: s.interruptions, instructions: s.instructions })),
    generateInRealTime: (stack, on) => stack.fakes.elevenlabs!.configure({ audioChunkIntervalMs: on ? REAL_TIME_CHUNKS : undefined }),
  },
  {
    provider: 'amazon_nova_sonic',
    timeScale: TEST_TIME_SCALE,
    sessions: (stack) => stack.fakes.amazon_nova_sonic!.stats.streams.map((s) => ({ closedBy: s.closedBy, interruptions: s.interruptions, instructions: s.systemPrompt })),
    generateInRealTime: (stack, on) => stack.fakes.amazon_nova_sonic!.configure({ audioChunkIntervalMs: on ? REAL_TIME_CHUNKS : undefined }),
  },
];

let stack: LocalStack;
let droppingStack: LocalStack;
beforeAll(async () => {
  // Each fake's first session on this stack drops once its first response is done.
  const dropFirst = { dropAfterResponses: 1, faultySessions: 1 };
  droppingStack = await startTestStack({
    agent: conversationScript,
    fakes: { openai: dropFirst, gemini: { dropAfterTurns: 1, faultySessions: 1 }, elevenlabs: dropFirst, amazon_nova_sonic: dropFirst },
  });
  stack = await startTestStack({
    agent: scenarioDispatcher({ sms: smsScript }, conversationScript),
    fakes: { elevenlabs: { clientTools: ['send_sms'] } },
  });
});
afterAll(async () => {
  await Promise.all([stack?.close(), droppingStack?.close()]);
});

let line = 0;
/** One call through `provider` on `on` to a callee following `callee`; resolves with its event and what the far end saw. */
async function call(testCase: ProviderCase, callee: CalleeScript, instructions = 'Your name is Ava.', on: LocalStack = stack) {
  const to = `+1555778${String(++line).padStart(4, '0')}`;
  on.twilio!.setBehaviour(to, { kind: 'answer', callee, timeScale: testCase.timeScale });
  const callbackId = uniqueId(`conformance-${testCase.provider}`);
  const res = await initiate(on, { callbackId, to, provider: testCase.provider, instructions });
  expect(res.status).toBe(200);
  const { detail }: CallCompletedEvent = await waitForEvent(on, callbackId);
  const sim = await on.twilio!.waitForCall(res.body.callSid, 'ended');
  return { detail, stream: sim.streams[0]!, sim };
}

describe('a dropped model', () => {
  it.concurrent.each(CASES)('$provider: reconnects once with the conversation so far, and the call goes on', async (testCase) => {
    // Hangs up once its last utterance has been answered, however many turns the agent takes.
    const callee: CalleeScript = { utterances: DEFAULT_CALLEE.utterances, maxCallMs: 60_000 };
    // At most twice real time: the new session speaks while the caller still hears the old one's greeting.
    const { detail, stream } = await call({ ...testCase, timeScale: Math.min(2, testCase.timeScale) }, callee, 'Your name is Ava.', droppingStack);
    expect(testCase.sessions(droppingStack).map((s) => s.closedBy)).toEqual(['fault', 'client']);
    expect(detail).toMatchObject({ provider: testCase.provider, transcriptComplete: true, error: null, outcome: 'completed' });
    const greeting = detail.transcript[0]!;
    expect(greeting).toMatchObject({ role: 'assistant', text: 'Hi, this is Ava. Do you have a minute?' });
    // The greeting was complete when the model dropped: nothing of it was cleared, and the new session was told it was said.
    expect(stream.clearsReceived).toBe(0);
    expect(testCase.sessions(droppingStack)[1]?.instructions).toContain(`The conversation so far:\nYou: ${greeting.text}`);
    expect(detail.transcript.filter((t) => t.text === greeting.text), 'the agent did not greet again').toHaveLength(1);
    // The conversation went on: both of the callee's turns transcribed, the last one answered.
    expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(callee.utterances);
    expect(detail.transcript.at(-1)).toMatchObject({ role: 'assistant', text: CLOSING_LINE });
    expect(stream).toMatchObject({ endReason: 'callee-hangup', protocolErrors: [] });
  });
});

describe.each(CASES)('$provider', (testCase) => {
  it('greets first and once, transcribes both ways, and closes cleanly', async () => {
    const before = testCase.sessions(stack).length;
    const { detail, stream } = await call(testCase, DEFAULT_CALLEE);
    expect(detail.transcript.map((t) => t.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(detail.transcript[0]!.text).toBe('Hi, this is Ava. Do you have a minute?');
    expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(DEFAULT_CALLEE.utterances);
    expect(detail.transcript.at(-1)!.text).toBe(CLOSING_LINE);
    // What the agent said is what the callee heard, word for word and in order.
    expect(stream.heard).toEqual(detail.transcript.filter((t) => t.role === 'assistant').map((t) => t.text));
    expect(stream).toMatchObject({ endReason: 'callee-hangup', clearsReceived: 0, protocolErrors: [] });
    expect(detail).toMatchObject({ transcriptComplete: true, error: null, outcome: 'completed' });
    expect(testCase.sessions(stack).slice(before)).toMatchObject([{ closedBy: 'client', interruptions: 0 }]);
  });

  it('barge-in: one clear, the greeting kept only as far as it was heard', async () => {
    const callee: CalleeScript = { utterances: ['Sorry to cut in, who is this?'], bargeIn: true, hangUpAfterAgentTurns: 2, maxCallMs: 60_000 };
    const before = testCase.sessions(stack).length;
    testCase.generateInRealTime(stack, true);
    try {
      const { detail, stream } = await call(testCase, callee, 'You are calling on behalf of the clinic.');
      expect(stream.clearsReceived).toBe(1);
      expect(stream.heard[0]).toBe('[interrupted]');
      expect(testCase.sessions(stack).slice(before).map((s) => s.closedBy)).toEqual(['client']);
      const first = detail.transcript[0]!;
      expect(first.role).toBe('assistant');
      const kept = first.text.replace(/\.\.\.$/, '');
      expect(GENERIC_GREETING.startsWith(kept), `"${first.text}" is the start of the greeting`).toBe(true);
      expect(kept.length).toBeLessThan(GENERIC_GREETING.length);
      expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(callee.utterances);
    } finally {
      testCase.generateInRealTime(stack, false);
    }
  });

  it('a tool call round-trips: send_sms through Twilio, its result back to the model, the agent goes on', async () => {
    const callee: CalleeScript = { utterances: ['Yes, please text me the details.'], hangUpAfterAgentTurns: 3, maxCallMs: 60_000 };
    const { detail, sim } = await call(testCase, callee, `${scenarioMarker('sms')} Your name is Ava.`);
    expect(detail.toolCalls).toMatchObject([{ name: 'send_sms', ok: true }]);
    expect(stack.twilio!.messages.filter((m) => m.to === sim.to).map((m) => m.body)).toEqual(['Cleaning confirmed: Tuesday 3 pm.']);
    expect(detail.transcript.map((t) => t.text)).toContain('I have texted you the details.');
    expect(detail).toMatchObject({ transcriptComplete: true, error: null });
  });
});
