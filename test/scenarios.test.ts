import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voiceCodeDurationMs } from '../local/audio/voice-code';
import { SCENARIOS, type ScenarioName } from '../local/scenarios';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { compileJsonSchema } from '../shared/json-schema';
import { getCall, initiate, startTestStack, TEST_TIME_SCALE, uniqueId, waitForEvent } from './support/stack';

/**
 * The demo scenarios (`npm run demo -- --scenario …`) end to end on the embedded stack: the
 * fake model follows the scenario script, the simulator plays the phone, the fake Google
 * holds the calendar; each call is judged by its Call Completed event and by what the
 * far end actually saw.
 */

let stack: LocalStack;
beforeAll(async () => {
  const env = Object.assign({}, ...Object.values(SCENARIOS).map((s) => s.env)) as Record<string, string>;
  stack = await startTestStack({ overrides: env });
});
afterAll(async () => {
  await stack?.close();
});

async function run(name: ScenarioName, to: string, provider?: string) {
  const scenario = SCENARIOS[name];
  stack.twilio!.setBehaviour(to, scenario.behaviour);
  const callbackId = uniqueId(name);
  const res = await initiate(stack, { callbackId, to, ...scenario.request, ...(provider ? { provider } : {}) });
  expect(res.status).toBe(200);
  const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 90_000));
  const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
  return { callbackId, detail, sim };
}

describe('scenario book-meeting', () => {
  it('checks availability, books the offered slot, texts a confirmation, hangs up after the goodbye; analysis per the caller schema', async () => {
    const to = '+15557720001';
    const { callbackId, detail, sim } = await run('book-meeting', to);

    expect(detail.outcome).toBe('completed');
    expect(detail.toolCalls.map((t) => t.name)).toEqual(['check_availability', 'schedule_meeting', 'send_sms', 'end_call']);
    expect(detail.toolCalls.filter((t) => !t.ok)).toEqual([]);
    const stored = await getCall(stack, callbackId);
    // The event says which tools ran; their arguments and results are in GET /calls/{callbackId}.
    expect(stored.body.toolCalls.map(({ name, at, error }) => ({ name, at, ok: error === undefined }))).toEqual(detail.toolCalls);
    const [availability, booking, sms] = stored.body.toolCalls as Array<{ arguments: any; result: any }>;
    const offered = availability!.result.slots[0];
    expect(booking!.arguments.start).toBe(offered.start);
    expect(booking!.result).toMatchObject({ booked: true, start: offered.start, spoken: offered.spoken });

    const event = stack.google!.calendars.events('primary').find((e) => e.id === booking!.result.eventId)!;
    expect(Date.parse(event.start.dateTime)).toBe(Date.parse(offered.start));
    expect(event.description).toContain(callbackId);

    const texts = stack.twilio!.messages.filter((m) => m.to === to);
    expect(texts).toHaveLength(1);
    expect(texts[0]!.sid).toBe(sms!.result.messageSid);
    expect(texts[0]!.body).toContain(offered.spoken);

    const goodbye = detail.transcript.at(-1)!;
    expect(goodbye).toMatchObject({ role: 'assistant', text: expect.stringContaining(`booked for ${offered.spoken}`) });
    const stream = sim.streams[0]!;
    expect(stream.heard.at(-1)).toBe(goodbye.text);
    expect(stream.endReason).toBe('twilio-stopped');
    expect(sim.updates).toMatchObject([{ outcome: 'hangup' }]);


    // The post-call analysis the request asked for: data valid against the caller's schema, and a verdict.
    const compiled = compileJsonSchema(SCENARIOS['book-meeting'].request.analysis.schema);
    expect(detail.analysis).not.toBeNull();
    expect(compiled.ok && compiled.validate(detail.analysis!.data)).toEqual({ ok: true });
    expect(typeof detail.analysis!.successful).toBe('boolean');
    expect(stored.body.call.analysisResult).toEqual(detail.analysis);
  });
});

describe('scenario book-meeting on the other providers', () => {
  // One after the other: they share one calendar, and each books the first slot still free.
  it.each(['gemini', 'elevenlabs', 'amazon_nova_sonic'] as const)('books, texts and hangs up through %s', async (provider) => {
    const to = `+155577920${provider.length}`;
    const { callbackId, detail, sim } = await run('book-meeting', to, provider);
    expect(detail.provider).toBe(provider);
    expect(detail.toolCalls.map((t) => t.name)).toEqual(['check_availability', 'schedule_meeting', 'send_sms', 'end_call']);
    expect(detail.toolCalls.every((t) => t.ok)).toBe(true);
    expect((await getCall(stack, callbackId)).body.toolCalls[1]?.result).toMatchObject({ booked: true });
    expect(sim.updates.some((u) => u.outcome === 'hangup'), 'end_call hung up through Twilio').toBe(true);
    expect(stack.twilio!.messages.filter((m) => m.to === to)).toHaveLength(1);
  });
});

describe('scenario voicemail', () => {
  it('leaves the voicemail message after the beep, opens no model session, and reports voicemail with answeredBy', async () => {
    const sessionsBefore = stack.fakes.openai!.stats.sessions.length;
    const { detail, sim } = await run('voicemail', '+15557720003');
    const message = SCENARIOS.voicemail.request.voicemailMessage;

    expect(detail).toMatchObject({ outcome: 'voicemail', answeredBy: 'machine_end_beep', toolCalls: [], analysis: null, error: null });
    expect(detail.transcript).toEqual([{ role: 'assistant', text: message, at: expect.any(String) }]);
    expect(sim.voicemail!.recorded).toEqual([message]);
    expect(sim.answeredAt! + voiceCodeDurationMs('Please leave a message after the tone.') / TEST_TIME_SCALE).toBeLessThanOrEqual(sim.voicemail!.beepAt);
    expect(sim.streams).toHaveLength(0);
    expect(stack.fakes.openai!.stats.sessions.length).toBe(sessionsBefore);
  });

  it('without a voicemailMessage, hangs up on the machine: nothing recorded, still a voicemail outcome', async () => {
    const to = '+15557720005';
    stack.twilio!.setBehaviour(to, { kind: 'machine' });
    const callbackId = uniqueId('voicemail-silent');
    const res = await initiate(stack, { callbackId, to, machineDetection: true });
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(detail).toMatchObject({ outcome: 'voicemail', answeredBy: 'machine_end_beep', transcript: [] });
    expect(sim.voicemail!.recorded).toEqual([]);
    expect(sim.twiml[0]!.executed.map((verb) => verb.verb)).toEqual(['Hangup']);
  });
});

describe('scenario transfer', () => {
  it('tells the caller, then replaces the call with a <Dial> to the transfer number; the outcome is transferred', async () => {
    const { callbackId, detail, sim } = await run('transfer', '+15557720004');
    const transferTo = SCENARIOS.transfer.request.transferTo;

    expect(detail.outcome).toBe('transferred');
    expect(sim.dialed).toEqual([transferTo]);
    expect(sim.updates).toMatchObject([{ outcome: 'redirect' }]);
    expect(sim.updates[0]!.params.Twiml).toContain(`<Dial callerId="${detail.from}">${transferTo}</Dial>`);
    expect(detail.toolCalls).toMatchObject([{ name: 'transfer_call', ok: true }]);
    expect((await getCall(stack, callbackId)).body.toolCalls).toMatchObject([{ name: 'transfer_call', result: { transferred: true } }]);
    const announcement = 'Of course. I am transferring you to a colleague now.';
    expect(detail.transcript.at(-1)).toMatchObject({ role: 'assistant', text: announcement });
    expect(sim.streams[0]!.heard.at(-1)).toBe(announcement);
  });
});
