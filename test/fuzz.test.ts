import fc from 'fast-check';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { parseTwilioMessage, twilioInboundSchema } from '../media-service/twilio-stream';
import { getCall, initiate, startTestStack, uniqueId } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
  stack.twilio!.setBehaviour('*', { kind: 'no-answer', ringMs: 60_000 });
});
afterAll(async () => {
  await stack?.close();
});

const creates = () => stack.twilio!.requests.filter((r) => r.path.endsWith('/Calls.json')).length;

/** Any JSON value, biased towards objects that look almost like an initiate body. */
const almostInitiateBody = fc.record(
  {
    callbackId: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9._:-]{1,140}$/), fc.integer()),
    to: fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9]{0,17}$/), fc.constant(null)),
    record: fc.oneof(fc.boolean(), fc.string(), fc.integer()),
    metadata: fc.oneof(fc.object(), fc.jsonValue(), fc.constant(null)),
    variables: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), fc.array(fc.string())),
    maxDurationSeconds: fc.oneof(fc.integer(), fc.double(), fc.string()),
    provider: fc.oneof(fc.constantFrom('openai', 'gemini', 'x'), fc.string()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('initiate never answers 5xx to bad input, and a refused request changes nothing', () => {
  it('arbitrary JSON values and near-miss bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), almostInitiateBody), async (body) => {
        const before = creates();
        const res = await initiate(stack, body as Record<string, unknown>);
        expect(res.status).toBeLessThan(500);
        expect(res.body).toBeTypeOf('object');
        if (res.status >= 400) {
          expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
          expect(creates()).toBe(before);
          const id = (body as { callbackId?: unknown } | null)?.callbackId;
          if (typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id)) expect((await getCall(stack, id)).status).toBe(404);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary bytes as the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const response = await fetch(`${stack.apiUrl}/call/initiate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
          body: bytes,
        });
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});

describe('status callbacks: arbitrary signed forms never 5xx and never corrupt the call', () => {
  it('random fields, statuses and sequence numbers', async () => {
    const callbackId = uniqueId('fuzz-status');
    const { body: placed } = await initiate(stack, { callbackId, to: '+15550000777' });
    const path = `/webhooks/call-status?callbackId=${callbackId}`;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            CallSid: fc.oneof(fc.constant(placed.callSid as string), fc.string()),
            CallStatus: fc.oneof(fc.constantFrom('queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy'), fc.string()),
            SequenceNumber: fc.oneof(fc.nat({ max: 50 }).map(String), fc.string()),
            CallDuration: fc.oneof(fc.nat().map(String), fc.string()),
            Timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()), fc.string()),
            Junk: fc.string(),
          },
          { requiredKeys: [] },
        ),
        async (params) => {
          const url = `${stack.config.BASE_URL}${path}`;
          const response = await fetch(`${stack.apiUrl}${path}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': getExpectedTwilioSignature(stack.config.TWILIO_AUTH_TOKEN!, url, params),
            },
            body: new URLSearchParams(params).toString(),
          });
          expect(response.status).toBeLessThan(500);
        },
      ),
      {
        numRuns: 150,
        // Found by this property: an event time at the end of the Date range (a year past 9999 has no plain ISO form).
        examples: [[{ CallSid: placed.callSid as string, CallStatus: 'completed', Timestamp: 'Fri, 12 Sep 275760 23:59:59 GMT' }]],
      },
    );
    const { body } = await getCall(stack, callbackId);
    expect(body.call.callSid).toBe(placed.callSid);
    const applied = body.call.statusHistory.filter((c: { applied: boolean }) => c.applied).map((c: { status: string }) => c.status);
    const terminalAt = applied.findIndex((s: string) => ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(s));
    if (terminalAt >= 0) expect(applied.slice(terminalAt + 1), 'nothing is applied after a terminal status').toEqual([]);
  });
});

describe('Media Stream messages', () => {
  it('the parser never throws and only accepts well-formed messages', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .record({ event: fc.constantFrom('connected', 'start', 'media', 'mark', 'dtmf', 'stop', 'bogus'), media: fc.anything(), start: fc.anything(), mark: fc.anything(), dtmf: fc.anything() }, { requiredKeys: ['event'] })
            .map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const parsed = parseTwilioMessage(text);
          if (parsed.ok) expect(['connected', 'start', 'media', 'mark', 'dtmf', 'stop']).toContain(parsed.message.event);
          else expect(parsed.reason).toBeTypeOf('string');
        },
      ),
      { numRuns: 2000 },
    );
  });

  /** A message read on the fast path comes out exactly as the schema would have read it, or is refused as it would have been. */
  function readAsTheSchemaDoes(message: unknown): void {
    const text = JSON.stringify(message);
    const parsed = parseTwilioMessage(text);
    const expected = twilioInboundSchema.safeParse(JSON.parse(text));
    expect(parsed.ok).toBe(expected.success);
    if (parsed.ok && expected.success) expect(parsed.message).toStrictEqual(expected.data);
  }

  it('media frames, read on their fast path, get exactly what the schema says', () => {
    const numeric = fc.oneof(fc.integer({ min: -5, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }).map(String), fc.constantFrom('', '1.5', '-1', 'x', 1.5, null));
    const field = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          event: fc.constantFrom('media', 'media', 'mark'),
          sequenceNumber: field(numeric),
          streamSid: field(fc.oneof(fc.string(), fc.integer())),
          extra: field(fc.string()),
          media: fc.oneof(
            fc.record({
              track: field(fc.oneof(fc.constantFrom('inbound'), fc.integer())),
              chunk: field(numeric),
              timestamp: field(numeric),
              payload: fc.oneof(fc.base64String(), fc.string(), fc.integer()),
              other: field(fc.string()),
            }),
            fc.anything(),
          ),
        }),
        readAsTheSchemaDoes,
      ),
      { numRuns: 3000 },
    );
  });

  it("media frames in Twilio's own wire form, read without JSON.parse, get exactly what the schema says", () => {
    const digits = fc.oneof(fc.integer({ min: 0, max: 1e9 }).map(String), fc.constantFrom('', '007', '1.5', '-1', '99999999999999999999'));
    const text = fc.oneof(fc.string(), fc.constantFrom('inbound', 'MZ0123456789abcdef', 'a"b', 'a\\', 'a\nb', '\u0000', '\u2028'));
    fc.assert(
      fc.property(
        fc.record({ seq: digits, track: text, chunk: digits, timestamp: digits, payload: fc.oneof(fc.base64String(), text), streamSid: text }),
        ({ seq, track, chunk, timestamp, payload, streamSid }) => {
          const wire = `{"event":"media","sequenceNumber":"${seq}","media":{"track":"${track}","chunk":"${chunk}","timestamp":"${timestamp}","payload":"${payload}"},"streamSid":"${streamSid}"}`;
          const parsed = parseTwilioMessage(wire);
          let expected: ReturnType<typeof twilioInboundSchema.safeParse> | undefined;
          try {
            expected = twilioInboundSchema.safeParse(JSON.parse(wire));
          } catch {
            expected = undefined;
          }
          expect(parsed.ok).toBe(expected?.success ?? false);
          if (parsed.ok && expected?.success) expect(parsed.message).toStrictEqual(expected.data);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('mark echoes, read on their fast path, get exactly what the schema says', () => {
    const field = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          event: fc.constantFrom('mark', 'mark', 'media'),
          sequenceNumber: field(fc.oneof(fc.integer(), fc.string())),
          streamSid: field(fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
          mark: fc.oneof(fc.record({ name: fc.oneof(fc.string(), fc.integer()), other: field(fc.string()) }), fc.anything()),
        }),
        readAsTheSchemaDoes,
      ),
      { numRuns: 3000 },
    );
  });
});
