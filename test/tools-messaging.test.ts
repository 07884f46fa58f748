import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeServiceAccount, startFakeGoogle, type FakeGoogle } from '../local/fake-google/server';
import { startTwilioSimulator, type TwilioSimulator } from '../local/twilio-sim';
import type { CallRecord, ToolCallRecord } from '../shared/call-record';
import { BUILT_IN_TOOL_NAMES } from '../shared/call-tools';
import { parseConfig, type Config } from '../shared/config';
import { logger } from '../shared/logger';
import { createTwilioClient } from '../shared/twilio-client';
import { googleClients } from '../media-service/tools/google';
import { toolsForCall } from '../media-service/tools';
import { createToolRunner } from '../media-service/tools/runner';
import { requestedEmailRecipients } from '../media-service/tools/send-email';
import { SMS_MAX_CHARS } from '../media-service/tools/send-sms';
import type { ToolContext } from '../media-service/tools/types';

/** send_sms through the Twilio simulator's Messages API, send_email through the fake Gmail, offered as configured. */

const CALLED = '+15551230000';
const CALLER_ID = '+15550001111';
const USER = 'agent@northwind.example';
const ACCOUNT_SID = `AC${randomBytes(16).toString('hex')}`;
const AUTH_TOKEN = randomBytes(16).toString('hex');

let sim: TwilioSimulator;
let google: FakeGoogle;
let env: Record<string, string>;

beforeAll(async () => {
  const serviceAccount = createFakeServiceAccount();
  [sim, google] = await Promise.all([
    startTwilioSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }),
    startFakeGoogle({ serviceAccount, delegatedUsers: [USER] }),
  ]);
  env = {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_API_URL: sim.apiUrl,
    GOOGLE_CLIENT_EMAIL: serviceAccount.clientEmail,
    GOOGLE_PRIVATE_KEY: serviceAccount.privateKeyPem,
    GOOGLE_IMPERSONATED_USER: USER,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    ENABLE_EMAIL_TOOLS: 'true',
  };
});
afterAll(async () => {
  await sim?.close();
  await google?.close();
});

function callRecord(request: Partial<CallRecord['request']> = {}): CallRecord {
  const now = new Date().toISOString();
  return {
    callbackId: `msg-${randomBytes(4).toString('hex')}`,
    request: { callbackId: 'x', to: CALLED, from: CALLER_ID, record: false, machineDetection: false, ...request },
    requestHash: 'h',
    provider: 'openai',
    model: 'gpt-realtime',
    status: 'in-progress',
    statusSequence: 0,
    statusHistory: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** The tools a call would be offered under `settings`, run as the agent would run them. */
function callTools(settings: Record<string, string> = {}, twilioSettings: Record<string, string> = {}) {
  const config: Config = parseConfig({ STAGE: 'local', ...env, ...settings });
  const twilio = createTwilioClient(parseConfig({ STAGE: 'local', ...env, ...twilioSettings }));
  const call = callRecord({ variables: { name: 'Sam', email: ' sam@example.com ' } });
  const records: ToolCallRecord[] = [];
  const context: Omit<ToolContext, 'signal'> = {
    callbackId: call.callbackId,
    callSid: 'CA00000000000000000000000000000000',
    to: CALLED,
    from: CALLER_ID,
    emailRecipients: requestedEmailRecipients(call.request),
    config,
    now: () => new Date(),
    callControl: { hangUpAfterPlayback: async () => undefined, transfer: async () => undefined, sendDigits: async () => undefined },
    services: { twilio: () => twilio, google: () => googleClients(config) },
  };
  const definitions = toolsForCall(call, config);
  const runner = createToolRunner({ definitions, context, log: logger, record: (r) => records.push(r) });
  const run = async (name: string, args: unknown) => {
    const { output, isError } = await runner.run(name, args);
    return { isError, value: JSON.parse(output) as any };
  };
  return { run, records, offered: definitions.map((d) => d.name) };
}

const smsTo = (number: string) => sim.messages.filter((m) => m.to === number);

describe('send_sms', () => {
  it('texts the number being called, from the call\'s caller ID, and returns the message SID', async () => {
    const { run, records } = callTools();
    const before = smsTo(CALLED).length;
    const { isError, value } = await run('send_sms', { message: 'Your visit is booked for Tuesday at 3 pm.' });
    expect(isError).toBe(false);
    const sent = smsTo(CALLED).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: CALLER_ID, body: 'Your visit is booked for Tuesday at 3 pm.', sid: value.messageSid });
    expect(records).toMatchObject([{ name: 'send_sms', result: { sent: true, messageSid: value.messageSid } }]);
  });

  it('refuses any other number the model names, and sends nothing', async () => {
    const { run, records } = callTools();
    const { isError, value } = await run('send_sms', { message: 'Hi', to: '+15559998888' });
    expect(isError).toBe(true);
    expect(value.error).toBe('I can only send a text message to the number I am calling.');
    expect(smsTo('+15559998888')).toHaveLength(0);
    expect(records[0]).toMatchObject({ name: 'send_sms', arguments: { to: '+15559998888' }, error: value.error });

    const same = await run('send_sms', { message: 'Hi again', to: CALLED });
    expect(same.isError).toBe(false);
  });

  it('refuses a message over the length limit', async () => {
    const { run } = callTools();
    const before = sim.messages.length;
    const { isError, value } = await run('send_sms', { message: 'x'.repeat(SMS_MAX_CHARS + 1) });
    expect(isError).toBe(true);
    expect(value.error).toMatch(/^The arguments were not valid: message/);
    expect(sim.messages.length).toBe(before);
  });

  it('turns a Twilio refusal into a sentence', async () => {
    const { run } = callTools({}, { TWILIO_AUTH_TOKEN: 'not-the-token' });
    const { isError, value } = await run('send_sms', { message: 'Hello' });
    expect(isError).toBe(true);
    expect(value.error).toMatch(/could not be sent/);
  });
});

describe('send_email', () => {
  it('sends one plain-text message through Gmail as the impersonated user', async () => {
    const { run } = callTools();
    const { isError, value } = await run('send_email', { to: 'sam@example.com', subject: 'Your visit – Tuesday', body: 'See you Tuesday at 3 pm.' });
    expect(isError).toBe(false);
    const sent = google.sentMail.find((m) => m.id === value.messageId)!;
    expect(sent).toMatchObject({ sender: USER, from: USER, to: 'sam@example.com', subject: 'Your visit – Tuesday', body: 'See you Tuesday at 3 pm.' });
    expect(google.tokenRequests.at(-1)).toMatchObject({ subject: USER, scopes: ['https://www.googleapis.com/auth/gmail.send'] });
  });

  it('is not offered, and cannot be run, when e-mail is disabled or has no mailbox to send as', async () => {
    const disabled = callTools({ ENABLE_EMAIL_TOOLS: 'false' });
    const noMailbox = callTools({ GOOGLE_IMPERSONATED_USER: '' });
    expect(disabled.offered).not.toContain('send_email');
    expect(noMailbox.offered).not.toContain('send_email');
    const before = google.sentMail.length;
    const { isError, value } = await disabled.run('send_email', { to: 'sam@example.com', subject: 'Hi', body: 'Hello' });
    expect(isError).toBe(true);
    expect(value.error).toBe('There is no tool called send_email.');
    expect(google.sentMail.length).toBe(before);
  });

  it('validates the recipient and refuses header injection', async () => {
    const { run } = callTools();
    const before = google.sentMail.length;
    const results = await Promise.all([
      run('send_email', { to: 'sam at example dot com', subject: 'Hi', body: 'Hello' }),
      run('send_email', { to: 'sam@example.com, eve@example.com', subject: 'Hi', body: 'Hello' }),
      run('send_email', { to: 'sam@example.com', subject: 'Hi\r\nBcc: eve@example.com', body: 'Hello' }),
    ]);
    expect(results.map((r) => r.isError)).toEqual([true, true, true]);
    expect(results[0]!.value.error).toMatch(/to/);
    expect(results[2]!.value.error).toMatch(/subject/);
    expect(google.sentMail.length).toBe(before);
  });

  it('refuses an address the call\'s request does not name, and sends nothing', async () => {
    const { run, records } = callTools();
    const before = google.sentMail.length;
    const { isError, value } = await run('send_email', { to: 'eve@attacker.example', subject: 'Hi', body: 'Hello' });
    expect(isError).toBe(true);
    expect(value.error).toBe('I can only send e-mail to an address I was given for this call.');
    expect(records[0]).toMatchObject({ name: 'send_email', arguments: { to: 'eve@attacker.example' }, error: value.error });
    expect((await run('send_email', { to: 'Sam@Example.com', subject: 'Hi', body: 'Hello' })).isError).toBe(false);
    expect(google.sentMail.slice(before).map((m) => m.to)).toEqual(['Sam@Example.com']);
  });

  it('writes to any address in EMAIL_ALLOWED_DOMAINS, and only those domains', async () => {
    const { run } = callTools({ EMAIL_ALLOWED_DOMAINS: 'northwind.example, .partner.example' });
    const before = google.sentMail.length;
    const results = await Promise.all(
      ['pat@northwind.example', 'lee@eu.partner.example', 'pat@partner.example', 'pat@northwind.example.attacker.example'].map((to) =>
        run('send_email', { to, subject: 'Hi', body: 'Hello' }),
      ),
    );
    expect(results.map((r) => r.isError)).toEqual([false, false, true, true]);
    expect(google.sentMail.slice(before).map((m) => m.to).sort()).toEqual(['lee@eu.partner.example', 'pat@northwind.example']);
  });

  it('turns a Gmail failure into a sentence', async () => {
    google.fail('gmail.send', { status: 500, times: 1 });
    const { run } = callTools();
    const { isError, value } = await run('send_email', { to: 'sam@example.com', subject: 'Hi', body: 'Hello' });
    expect(isError).toBe(true);
    expect(value.error).toMatch(/e-mail could not be sent/);
  });
});

describe('which tools a call is offered', () => {
  it('offers call control and SMS always; calendar, e-mail and transfer only when enabled and configured (then every built-in tool)', () => {
    const bare = parseConfig({ STAGE: 'local' });
    expect(toolsForCall(callRecord(), bare).map((t) => t.name)).toEqual(['end_call', 'send_sms', 'send_dtmf']);

    const calendarWithoutKey = parseConfig({ STAGE: 'local', ENABLE_CALENDAR_TOOLS: 'true' });
    expect(toolsForCall(callRecord(), calendarWithoutKey).map((t) => t.name)).not.toContain('check_availability');

    const everything = parseConfig({ STAGE: 'local', ...env, ENABLE_CALENDAR_TOOLS: 'true', TRANSFER_NUMBER: '+15550009999' });
    expect(toolsForCall(callRecord(), everything).map((t) => t.name)).toEqual([...BUILT_IN_TOOL_NAMES]);
    expect(toolsForCall(callRecord({ transferTo: '+15550007777' }), bare).map((t) => t.name)).toContain('transfer_call');
  });
});
