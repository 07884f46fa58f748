import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInitiateHandler } from '../functions/initiate';
import type { LocalStack } from '../local/stack';
import { deliveryAttempts, retryDelaySeconds, DELIVERY_RETRY_WINDOW_SECONDS } from '../shared/deliveries';
import { callCompletedDetailSchema } from '../shared/events';
import { webhookUrlProblem } from '../shared/webhook-target';
import { apiEvent } from './support/api-event';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ overrides: { DELIVERY_RETRY_BASE_SECONDS: '1' } });
});
afterAll(async () => {
  await stack?.close();
});

let lastNumber = 0;
const unanswered = (kind: 'busy' | 'no-answer' = 'busy') => {
  const to = `+1555777${String(++lastNumber).padStart(4, '0')}`;
  stack.twilio!.setBehaviour(to, { kind });
  return to;
};

async function waitUntil<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhookUrl: the event signed per Standard Webhooks', () => {
  it('delivers a signature the standardwebhooks verifier accepts, retried with the same webhook-id after a 500', async () => {
    const callbackId = uniqueId('hook');
    const path = `/hooks/${callbackId}`;
    stack.webhooks.failNext(1, 500);
    const res = await initiate(stack, { callbackId, to: unanswered(), webhookUrl: `${stack.webhooks.url}${path}` });
    expect(res.status).toBe(200);
    const event = await waitForEvent(stack, callbackId);
    const delivered = await stack.webhooks.waitFor((d) => d.path === path && d.status === 204);
    const attempts = stack.webhooks.received.filter((d) => d.path === path);
    expect(attempts.map((d) => d.status)).toEqual([500, 204]);
    expect(attempts[1]!.at - attempts[0]!.at, 'the retry waited for its backoff').toBeGreaterThanOrEqual(900);
    expect(new Set(attempts.map((d) => d.id))).toEqual(new Set([event.detail.eventId]));

    const verified = new Webhook(stack.config.WEBHOOK_SIGNING_SECRET!).verify(delivered.rawBody, delivered.headers) as any;
    expect(verified.type).toBe('call.completed');
    expect(callCompletedDetailSchema.parse(verified.data)).toEqual(event.detail);
    expect(() => new Webhook(stack.config.WEBHOOK_SIGNING_SECRET!).verify(delivered.rawBody.replace('busy', 'completed'), delivered.headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.from('another secret!!').toString('base64')}`).verify(delivered.rawBody, delivered.headers)).toThrow();
    await waitUntil(() => (stack.deliveries.messages().length === 0 ? true : undefined));
  });

  it('refuses a webhookUrl outside WEBHOOK_ALLOWED_HOSTS with a 403 before placing anything', async () => {
    const guarded = createInitiateHandler({ ...stack.deps, config: { ...stack.config, WEBHOOK_ALLOWED_HOSTS: ['hooks.example.com'] } });
    const body = { callbackId: uniqueId(), to: '+15557770999', webhookUrl: 'https://evil.example.net/hook' };
    const res = await guarded(apiEvent('POST', '/call/initiate', body, { 'x-api-key': stack.apiKey }));
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body!).error.code).toBe('webhook_not_allowed');
  });
});

describe('webhookUrl policy outside the local stage', () => {
  const prod = { STAGE: 'prod', WEBHOOK_ALLOWED_HOSTS: ['api.trigger.dev', '.hooks.example.com', '10.1.2.3'] };
  it.each([
    ['https://api.trigger.dev/api/v1/waitpoints/tokens/abc/callback/def', undefined],
    ['https://eu.hooks.example.com/x', undefined],
    ['http://api.trigger.dev/x', /https/],
    ['https://trigger.dev/x', /not in WEBHOOK_ALLOWED_HOSTS/],
    ['https://hooks.example.com.evil.net/x', /not in WEBHOOK_ALLOWED_HOSTS/],
    ['https://10.1.2.3/x', /internal/],
    ['https://user:pw@api.trigger.dev/x', /credentials/],
  ])('%s', (url, problem) => {
    const found = webhookUrlProblem(url, prod);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('allows no webhook at all when WEBHOOK_ALLOWED_HOSTS is not set', () => {
    expect(webhookUrlProblem('https://api.trigger.dev/x', { STAGE: 'prod', WEBHOOK_ALLOWED_HOSTS: undefined })).toMatch(/not set/);
  });

  it('retries for 24 hours with a doubling delay capped at an hour', () => {
    expect([1, 2, 3, 8, 9].map((n) => retryDelaySeconds(n, 30))).toEqual([30, 60, 120, 3600, 3600]);
    const attempts = deliveryAttempts(30);
    const waited = Array.from({ length: attempts - 1 }, (_, i) => retryDelaySeconds(i + 1, 30)).reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(DELIVERY_RETRY_WINDOW_SECONDS);
    expect(waited - retryDelaySeconds(attempts - 1, 30)).toBeLessThan(DELIVERY_RETRY_WINDOW_SECONDS);
  });
});

describe('taskToken: Step Functions callbacks', () => {
  it('completes the waiting task with SendTaskSuccess carrying the event', async () => {
    const taskToken = stack.stepFunctions.issueToken();
    const callbackId = uniqueId('task');
    await initiate(stack, { callbackId, to: unanswered(), taskToken });
    const event = await waitForEvent(stack, callbackId);
    const completion = await waitUntil(() => stack.stepFunctions.completions.find((c) => c.taskToken === taskToken));
    expect(completion.status).toBe('succeeded');
    expect(completion.output).toEqual(event.detail);
  });

  it('fails the task with SendTaskFailure for an outcome the call listed, after riding out a throttle', async () => {
    const taskToken = stack.stepFunctions.issueToken();
    const callbackId = uniqueId('task');
    stack.stepFunctions.throttleNext(1);
    await initiate(stack, { callbackId, to: unanswered('no-answer'), taskToken, taskFailureOutcomes: ['no-answer', 'busy'] });
    const completion = await waitUntil(() => stack.stepFunctions.completions.find((c) => c.taskToken === taskToken));
    expect(completion).toMatchObject({ status: 'failed', error: 'CallerEngine.NoAnswer' });
    expect(JSON.parse(completion.cause!)).toMatchObject({ callbackId, outcome: 'no-answer', endReason: 'no_answer' });
  });

  it('drops a delivery whose token Step Functions will never accept instead of retrying it', async () => {
    const callbackId = uniqueId('task');
    await initiate(stack, { callbackId, to: unanswered(), taskToken: 'AQCnever-issued' });
    await waitForEvent(stack, callbackId);
    await waitUntil(() => (stack.deliveries.messages().length === 0 ? true : undefined));
    expect(stack.deliveries.deadLetters).toHaveLength(0);
    expect(stack.stepFunctions.completions.some((c) => c.taskToken === 'AQCnever-issued')).toBe(false);
  });

  it('refuses taskFailureOutcomes without a taskToken', async () => {
    const res = await initiate(stack, { callbackId: uniqueId(), to: '+15557770998', taskFailureOutcomes: ['busy'] });
    expect(res.status).toBe(400);
  });
});
