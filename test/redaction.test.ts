import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { luhnValid, MASKS, redactText } from '../shared/redaction';
import { getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

describe('redactText', () => {
  it.each([
    ['+1 555 123 4567', MASKS.phone],
    ['+44 20 7946 0958', MASKS.phone],
    ['+15551234567', MASKS.phone],
    ['(555) 123-4567', MASKS.phone],
    ['555-123-4567', MASKS.phone],
    ['555.123.4567', MASKS.phone],
    ['1-555-123-4567', MASKS.phone],
    ['5551234567', MASKS.phone],
    ['sam.lee+work@mail.example.co.uk', MASKS.email],
    ['4111 1111 1111 1111', MASKS.card],
    ['4111-1111-1111-1111', MASKS.card],
    ['378282246310005', MASKS.card],
  ])('masks %s', (value, mask) => {
    expect(redactText(`Call me on ${value} please.`)).toBe(`Call me on ${mask} please.`);
  });

  it.each([
    ['a 16-digit number that fails the Luhn check', 'ref 4111 1111 1111 1112'],
    ['a date', 'on 2026-11-25 at 15:30'],
    ['a short number', 'order 1234, room 12'],
    ['a price', 'it costs 1,250.00 dollars'],
    ['an e-mail read out in words', 'sam at example dot com'],
    ['a number read out in words', 'five five five one two three four'],
  ])('leaves %s alone', (_name, text) => {
    expect(redactText(text)).toBe(text);
  });

  it('masks several items in one turn and keeps the rest of the sentence', () => {
    expect(redactText('Mail sam@example.com, card 4242424242424242, phone +1 555 010 9999.')).toBe(
      `Mail ${MASKS.email}, card ${MASKS.card}, phone ${MASKS.phone}.`,
    );
  });

  it('checks card numbers with Luhn', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
  });
});

describe.concurrent('redactTranscript on a whole call', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const SAID = 'Reach me at +1 555 123 4567 or sam@example.com, my card is 4111 1111 1111 1111.';

  async function call(to: string, extra: Record<string, unknown>) {
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [SAID], hangUpAfterAgentTurns: 2, maxCallMs: 60_000 } });
    const callbackId = uniqueId('redact');
    const res = await initiate(stack, { callbackId, to, instructions: 'Your name is Ava.', ...extra });
    expect(res.status).toBe(200);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    return { detail, stored: (await getCall(stack, callbackId)).body };
  }

  const masked = `Reach me at ${MASKS.phone} or ${MASKS.email}, my card is ${MASKS.card}.`;

  it('masks the event transcript and summary, and by default the stored turns too', async () => {
    const { detail, stored } = await call('+15557730001', { redactTranscript: true });
    const texts = detail.transcript.map((t) => t.text).join('\n');
    expect(detail.transcript.find((t) => t.role === 'user')?.text).toBe(masked);
    expect(texts).not.toMatch(/555 123 4567|sam@example\.com|4111/);
    expect(detail.summary).toContain(masked);
    expect(stored.transcript.find((t) => t.role === 'user')?.text).toBe(masked);
    expect(stored.call.summary).toContain(masked);
  });

  it('with redactStored false, GET /calls keeps the originals while the event is masked', async () => {
    const { detail, stored } = await call('+15557730002', { redactTranscript: true, redactStored: false });
    expect(detail.transcript.find((t) => t.role === 'user')?.text).toBe(masked);
    expect(detail.summary).toContain(masked);
    expect(stored.transcript.find((t) => t.role === 'user')?.text).toBe(SAID);
    expect(stored.call.summary).toContain(SAID);
  });

  it('without redactTranscript nothing is masked', async () => {
    const { detail } = await call('+15557730003', {});
    expect(detail.transcript.find((t) => t.role === 'user')?.text).toBe(SAID);
  });
});
