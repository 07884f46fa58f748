import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInitiateHandler } from '../functions/initiate';
import type { LocalStack } from '../local/stack';
import { CALL_STATUSES, statusRank } from '../shared/call-record';
import { callCompletedEventSchema } from '../shared/events';
import { apiEvent } from './support/api-event';
import { callViewSchema } from '../functions/get-call';
import { eventsFor, getCall, initiate, postJson, postSignedForm, sleep, startTestStack, uniqueId, validationIssues, waitForEvent } from './support/stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const validBody = (overrides: Record<string, unknown> = {}) => ({ callbackId: uniqueId(), to: '+15551230000', ...overrides });
const createsTo = (to: string) => stack.twilio!.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json') && r.params.To === to);

describe('POST /call/initiate: authentication', () => {
  it('refuses a request without an API key', async () => {
    const res = await initiate(stack, validBody(), { 'x-api-key': '' });
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('unauthorized');
  });

  it('refuses a wrong API key without placing a call', async () => {
    const body = validBody({ to: '+15551239901' });
    const res = await initiate(stack, body, { 'x-api-key': `${stack.apiKey}x` });
    expect(res.status).toBe(401);
    expect(createsTo('+15551239901')).toHaveLength(0);
  });
});

describe('POST /call/initiate: validation', () => {
  it.each([
    ['a missing "to"', { to: undefined }, 'to'],
    ['a number that is not E.164', { to: '5551234567' }, 'to'],
    ['an unknown key', { colour: 'blue' }, ''],
    ['a callbackId with spaces', { callbackId: 'has space' }, 'callbackId'],
    ['a callbackId over 128 characters', { callbackId: 'x'.repeat(129) }, 'callbackId'],
    ['a maxDurationSeconds under 30', { maxDurationSeconds: 10 }, 'maxDurationSeconds'],
    ['a record that is not a boolean', { record: 'yes' }, 'record'],
    ['variables that are not strings', { variables: { name: 3 } }, 'variables.name'],
    ['metadata over 8 KB', { metadata: { blob: 'x'.repeat(9000) } }, 'metadata'],
    ['an unknown provider', { provider: 'acme' }, 'provider'],
  ])('refuses %s with a 400 naming the field', async (_name, overrides, path) => {
    const res = await initiate(stack, validBody(overrides));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('validation_error');
    expect(validationIssues(res).map((d) => d.path)).toContain(path);
  });

  it('refuses malformed JSON with a 400', async () => {
    const res = await postJson(stack, '/call/initiate', '{"callbackId": "a",');
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('malformed_json');
  });

  it('refuses a JSON array with a 400', async () => {
    const res = await postJson(stack, '/call/initiate', '[1,2]');
    expect(res.status).toBe(400);
  });

  it('refuses a body over 64 KB with a 413', async () => {
    const res = await initiate(stack, validBody({ instructions: 'x'.repeat(70_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('payload_too_large');
  });

  it('refuses a body that is not JSON with a 415', async () => {
    const res = await postJson(stack, '/call/initiate', 'to=+15551230000', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
  });

  it('refuses a provider whose key is not configured, naming the variable', async () => {
    // The embedded stack configures every provider (fakes), so run the same handler with an environment that has no Gemini key.
    const handler = createInitiateHandler({ ...stack.deps, env: {} });
    const res = await handler(apiEvent('POST', '/call/initiate', validBody({ provider: 'gemini' }), { 'x-api-key': stack.apiKey }));
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body!);
    expect(body.error.code).toBe('provider_not_configured');
    expect(body.error.message).toContain('GEMINI_API_KEY');
  });
});

describe('IAM auth', () => {
  it('with API_AUTH=iam the function leaves authentication to API Gateway', async () => {
    const handler = createInitiateHandler({ ...stack.deps, config: { ...stack.config, API_AUTH: 'iam' } });
    const res = await handler(apiEvent('POST', '/call/initiate', { callbackId: uniqueId(), to: 'not-a-number' }));
    expect(res.statusCode, 'past authentication, refused by validation').toBe(400);
  });
});

describe('POST /call/initiate: placing the call', () => {
  it('places one call and answers with its SID', async () => {
    stack.twilio!.setBehaviour('+15551230001', { kind: 'busy' });
    const body = validBody({ to: '+15551230001', record: true, metadata: { crm: { id: 7 } } });
    const res = await initiate(stack, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, callbackId: body.callbackId, status: expect.any(String) });
    expect(res.body.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    const [create] = createsTo('+15551230001');
    expect(create!.params).toMatchObject({ Record: 'true', Url: `${stack.config.BASE_URL}/twiml/outbound?callbackId=${body.callbackId}` });
    expect(create!.params.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
  });

  it('is idempotent: the same request again returns the same call and places no second one', async () => {
    stack.twilio!.setBehaviour('+15551230002', { kind: 'no-answer' });
    const body = validBody({ to: '+15551230002' });
    const first = await initiate(stack, body);
    const second = await initiate(stack, { ...body });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.callSid).toBe(first.body.callSid);
    expect(createsTo('+15551230002')).toHaveLength(1);
  });

  it('refuses a different request for a used callbackId with a 409', async () => {
    stack.twilio!.setBehaviour('+15551230003', { kind: 'busy' });
    const body = validBody({ to: '+15551230003' });
    expect((await initiate(stack, body)).status).toBe(200);
    const res = await initiate(stack, { ...body, record: true });
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe('callback_id_conflict');
  });

  it('refuses a retry while the first request is still with Twilio (409), placing one call', async () => {
    stack.twilio!.setBehaviour('+15551230004', { kind: 'busy', createDelayMs: 800 });
    const body = validBody({ to: '+15551230004' });
    const [a, b] = await Promise.all([initiate(stack, body), sleep(200).then(() => initiate(stack, body))]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(409);
    expect(b.body.error?.code).toBe('in_flight');
    expect(createsTo('+15551230004')).toHaveLength(1);
  });

  it('answers a Twilio refusal with a 502 carrying Twilio\'s code, and records the call as failed', async () => {
    stack.twilio!.setBehaviour('+15551230005', {
      kind: 'answer',
      createError: { status: 400, code: 21215, message: 'Account not authorized to call +15551230005' },
    });
    const body = validBody({ to: '+15551230005' });
    const res = await initiate(stack, body);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'twilio_error', details: { twilioCode: 21215, twilioStatus: 400 } });
    const call = await getCall(stack, body.callbackId);
    expect(call.body.call.status).toBe('failed');
    expect(call.body.call.error?.code).toBe('twilio_21215');
    expect(eventsFor(stack, body.callbackId)).toHaveLength(0);
  });
});

describe('busy, no-answer and failed calls', () => {
  it.each([
    ['busy', '+15551230011'],
    ['no-answer', '+15551230012'],
    ['failed', '+15551230013'],
  ] as const)('a %s call gives exactly one Call Completed event with that outcome', async (kind, to) => {
    stack.twilio!.setBehaviour(to, { kind });
    const body = validBody({ to, metadata: { ticket: 'T-1' } });
    const res = await initiate(stack, body);
    const event = await waitForEvent(stack, body.callbackId);
    await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(callCompletedEventSchema.parse(event).detail).toMatchObject({
      outcome: kind,
      callSid: res.body.callSid,
      callbackId: body.callbackId,
      transcript: [],
      transcriptComplete: true,
      metadata: { ticket: 'T-1' },
    });
    expect(eventsFor(stack, body.callbackId)).toHaveLength(1);
  });
});

describe('GET /calls/{callbackId}', () => {
  it('names the outcome once Twilio has reported the end, and none while the call rings', async () => {
    stack.twilio!.setBehaviour('+15551230031', { kind: 'no-answer', ringMs: 60_000 });
    const ringing = validBody({ to: '+15551230031' });
    await initiate(stack, ringing);
    expect((await getCall(stack, ringing.callbackId)).body.call.outcome).toBeNull();

    stack.twilio!.setBehaviour('+15551230032', { kind: 'busy' });
    const busy = validBody({ to: '+15551230032' });
    await initiate(stack, busy);
    await waitForEvent(stack, busy.callbackId);
    const { body: details } = await getCall(stack, busy.callbackId);
    expect(details.call).toMatchObject({ status: 'busy', outcome: 'busy', endReason: 'busy' });
    // The published schema holds every field the answer has (parsing would drop one it lacks).
    expect(callViewSchema.parse(details)).toEqual(details);
  });
});

describe('status callbacks', () => {
  it('duplicated and reordered callbacks never move the state backwards and give one event', async () => {
    stack.twilio!.setBehaviour('+15551230021', { kind: 'busy', duplicateCallbacks: true, reorderCallbacks: true });
    const body = validBody({ to: '+15551230021' });
    const res = await initiate(stack, body);
    await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    await waitForEvent(stack, body.callbackId);
    const { body: details } = await getCall(stack, body.callbackId);
    expect(details.call.status).toBe('busy');
    const applied = details.call.statusHistory.filter((change: { applied: boolean }) => change.applied);
    const ranks = applied.map((change: { status: (typeof CALL_STATUSES)[number] }) => statusRank(change.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(eventsFor(stack, body.callbackId)).toHaveLength(1);
  });

  it('applies a late in-progress after completed only as a fact (answer time), not as a state', async () => {
    stack.twilio!.setBehaviour('+15551230022', { kind: 'no-answer', ringMs: 5_000 });
    const body = validBody({ to: '+15551230022' });
    const { body: placed } = await initiate(stack, body);
    const base = { CallSid: placed.callSid, AccountSid: stack.config.TWILIO_ACCOUNT_SID!, To: body.to, From: '+15550001111' };
    const path = `/webhooks/call-status?callbackId=${body.callbackId}`;
    const createdAt = Date.parse((await getCall(stack, body.callbackId)).body.call.createdAt);
    const twilioTime = (ms: number) => new Date(ms).toUTCString(); // whole seconds, as Twilio sends them
    const completed = { ...base, CallStatus: 'completed', SequenceNumber: '30', CallDuration: '42', Timestamp: twilioTime(createdAt + 44_000) };
    expect((await postSignedForm(stack, path, completed)).status).toBe(204);
    expect((await postSignedForm(stack, path, completed)).status).toBe(204);
    const late = { ...base, CallStatus: 'in-progress', SequenceNumber: '20', Timestamp: twilioTime(createdAt + 2_000) };
    expect((await postSignedForm(stack, path, late)).status).toBe(204);
    const { body: details } = await getCall(stack, body.callbackId);
    expect(details.call).toMatchObject({ status: 'completed', durationSeconds: 42 });
    expect(Date.parse(details.call.answeredAt!)).toBe(Math.floor((createdAt + 2_000) / 1000) * 1000);
    // Each status was answered (204) before this point: a second completion would already be on the bus.
    await waitForEvent(stack, body.callbackId);
    expect(eventsFor(stack, body.callbackId)).toHaveLength(1);
  });

  it('never puts the answer before the call was placed, though Twilio times callbacks in whole seconds', async () => {
    stack.twilio!.setBehaviour('+15551230024', { kind: 'no-answer', ringMs: 5_000 });
    const body = validBody({ to: '+15551230024' });
    const { body: placed } = await initiate(stack, body);
    const startedAt = (await getCall(stack, body.callbackId)).body.call.createdAt as string;
    const sameSecond = new Date(Date.parse(startedAt) - 1).toUTCString(); // truncated to the second, before startedAt
    const params = { CallSid: placed.callSid, CallStatus: 'in-progress', SequenceNumber: '5', Timestamp: sameSecond };
    expect((await postSignedForm(stack, `/webhooks/call-status?callbackId=${body.callbackId}`, params)).status).toBe(204);
    const { call } = (await getCall(stack, body.callbackId)).body;
    expect(call.answeredAt).toBe(startedAt);
  });

  it('refuses a callback without a valid signature (403) and changes nothing', async () => {
    stack.twilio!.setBehaviour('+15551230023', { kind: 'no-answer', ringMs: 5_000 });
    const body = validBody({ to: '+15551230023' });
    const { body: placed } = await initiate(stack, body);
    const params = { CallSid: placed.callSid, CallStatus: 'completed', SequenceNumber: '99' };
    const path = `/webhooks/call-status?callbackId=${body.callbackId}`;
    expect((await postSignedForm(stack, path, params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    expect((await postSignedForm(stack, path, params, '')).status).toBe(403);
    const { body: details } = await getCall(stack, body.callbackId);
    expect(details.call.status).not.toBe('completed');
  });

  it('answers a callback for an unknown callbackId with a 404', async () => {
    const params = { CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'ringing', SequenceNumber: '1' };
    expect((await postSignedForm(stack, '/webhooks/call-status?callbackId=nobody', params)).status).toBe(404);
  });

  it('refuses a signed body that is not a status callback with a 400', async () => {
    expect((await postSignedForm(stack, '/webhooks/call-status?callbackId=nobody', { CallStatus: 'exploded' })).status).toBe(400);
  });
});

describe('GET|POST /twiml/outbound', () => {
  it('refuses unsigned and wrongly signed requests with a 403', async () => {
    const path = '/twiml/outbound?callbackId=whatever';
    expect((await postSignedForm(stack, path, { CallSid: 'CA1' }, '')).status).toBe(403);
    expect((await postSignedForm(stack, path, { CallSid: 'CA1' }, 'd3Jvbmc=')).status).toBe(403);
    const get = await fetch(`${stack.apiUrl}${path}`);
    expect(get.status).toBe(403);
  });

  it('answers an unknown callbackId with TwiML that apologises and hangs up', async () => {
    const res = await postSignedForm(stack, '/twiml/outbound?callbackId=nobody-here', { CallSid: `CA${'2'.repeat(32)}` });
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/xml');
    expect(res.text).toContain('<Say>');
    expect(res.text).toContain('<Hangup/>');
    expect(res.text).not.toContain('<Stream');
  });

  it('connects a known call to the media stream with a single-use token parameter and a fallback', async () => {
    stack.twilio!.setBehaviour('+15551230031', { kind: 'no-answer', ringMs: 5_000 });
    const body = validBody({ to: '+15551230031' });
    const placed = await initiate(stack, body);
    const res = await postSignedForm(stack, `/twiml/outbound?callbackId=${body.callbackId}`, { CallSid: placed.body.callSid });
    expect(res.text).toContain(`<Stream url="${stack.config.MEDIA_URL}/media-stream/${body.callbackId}">`);
    expect(res.text).toMatch(/<Parameter name="streamToken" value="[A-Za-z0-9_-]{43}"\/>/);
    expect(res.text).toMatch(/<\/Connect><Say>[^<]+<\/Say><Hangup\/>/);
    const { body: details } = await getCall(stack, body.callbackId);
    expect(JSON.stringify(details)).not.toMatch(/streamToken/);
  });
});

describe('GET /calls/{callbackId} and GET /health', () => {
  it('needs the API key, and 404s an unknown call', async () => {
    expect((await getCall(stack, 'nobody', 'wrong')).status).toBe(401);
    const missing = await getCall(stack, 'nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
  });

  it('reports health with the version', async () => {
    const res = await fetch(`${stack.apiUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', version: expect.any(String) });
  });
});

describe('destination allow-list', () => {
  let guarded: LocalStack;
  beforeAll(async () => {
    guarded = await startTestStack({ overrides: { ALLOWED_DESTINATION_PREFIXES: '+44,+1555', ALLOWED_CALLER_IDS: '+15550002222, +15550003333' } });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('refuses a destination outside the allowed prefixes with a 403 and places nothing', async () => {
    const res = await initiate(guarded, { callbackId: uniqueId(), to: '+33612345678' });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('destination_not_allowed');
    expect(guarded.twilio!.requests.filter((r) => r.path.endsWith('/Calls.json'))).toHaveLength(0);
  });

  it('refuses a "from" that is not a configured caller ID with a 403 and places nothing', async () => {
    const to = '+15551239902';
    const res = await initiate(guarded, { callbackId: uniqueId(), to, from: '+15559998888' });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('caller_id_not_allowed');
    expect(guarded.twilio!.requests.filter((r) => r.path.endsWith('/Calls.json') && r.params.To === to)).toHaveLength(0);
  });

  it('places calls from TWILIO_PHONE_NUMBER and from each of ALLOWED_CALLER_IDS', async () => {
    guarded.twilio!.setBehaviour('*', { kind: 'busy' });
    for (const from of [guarded.config.TWILIO_PHONE_NUMBER!, '+15550002222', '+15550003333']) {
      const res = await initiate(guarded, { callbackId: uniqueId(), to: '+15551239903', from });
      expect(res.status, from).toBe(200);
    }
    const froms = guarded.twilio!.requests.filter((r) => r.path.endsWith('/Calls.json') && r.params.To === '+15551239903').map((r) => r.params.From);
    expect(froms).toEqual([guarded.config.TWILIO_PHONE_NUMBER, '+15550002222', '+15550003333']);
  });

  it('places a call to an allowed prefix', async () => {
    guarded.twilio!.setBehaviour('*', { kind: 'busy' });
    const res = await initiate(guarded, { callbackId: uniqueId(), to: '+447700900123' });
    expect(res.status).toBe(200);
  });
});
