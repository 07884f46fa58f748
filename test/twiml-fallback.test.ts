import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { LANGUAGES } from '../shared/languages';
import { initiate, postSignedForm, startTestStack, uniqueId } from './support/stack';

describe('the fallback TwiML', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('initiate gives Twilio a fallbackUrl next to the TwiML url', async () => {
    const callbackId = uniqueId('fallback');
    const res = await initiate(stack, { callbackId, to: '+15557775001' });
    expect(res.status).toBe(200);
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'answered');
    expect(sim.params).toMatchObject({
      Url: `${stack.config.BASE_URL}/twiml/outbound?callbackId=${callbackId}`,
      FallbackUrl: `${stack.config.BASE_URL}/twiml/fallback?callbackId=${callbackId}`,
      FallbackMethod: 'POST',
    });
  });

  it('apologises and hangs up when Twilio signs the request', async () => {
    const res = await postSignedForm(stack, '/twiml/fallback?callbackId=any-call', {
      CallSid: `CA${'1'.repeat(32)}`,
      ErrorCode: '11200',
      ErrorUrl: `${stack.config.BASE_URL}/twiml/outbound?callbackId=any-call`,
    });
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/xml');
    expect(res.text).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${LANGUAGES.en!.apology}</Say><Hangup/></Response>`);
  });

  it("apologises in the call's language when the call is known", async () => {
    const callbackId = uniqueId('fallback-es');
    const placed = await initiate(stack, { callbackId, to: '+15557775002', language: 'es' });
    expect(placed.status).toBe(200);
    const res = await postSignedForm(stack, `/twiml/fallback?callbackId=${callbackId}`, { CallSid: placed.body.callSid, ErrorCode: '11200' });
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<Say language="es-ES">${LANGUAGES.es!.apology}</Say><Hangup/>`);
  });

  it('refuses a request without a valid Twilio signature', async () => {
    const res = await postSignedForm(stack, '/twiml/fallback?callbackId=any-call', { CallSid: `CA${'2'.repeat(32)}` }, 'forged');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'invalid_signature' } });
  });
});
