import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { postJson, startTestStack, uniqueId, waitForEvent } from './support/stack';

describe('MAX_CONCURRENT_CALLS', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ overrides: { MAX_CONCURRENT_CALLS: '2' } });
    stack.twilio!.setBehaviour('*', { kind: 'no-answer', ringMs: 60_000 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const place = async (callbackId: string) => {
    const response = await fetch(`${stack.apiUrl}/call/initiate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify({ callbackId, to: '+15554440000' }),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as any };
  };

  it('answers 429 concurrency_limit with Retry-After at the cap, and a slot frees when a call completes', async () => {
    const [a, b] = [uniqueId('cap'), uniqueId('cap')];
    const results = await Promise.all([place(a), place(b)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect((await place(a)).status, 'replaying a call in progress takes no second slot').toBe(200);

    const refused = await place(uniqueId('cap'));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('concurrency_limit');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(await stack.deps.limiter.holders()).toHaveLength(2);

    await postJson(stack, `/calls/${a}/cancel`, {});
    await waitForEvent(stack, a);
    expect(await stack.deps.limiter.holders()).toEqual([b]);
    expect((await place(uniqueId('cap'))).status).toBe(200);
  });

  it('many initiates at once never hold more slots than the cap', async () => {
    for (const id of await stack.deps.limiter.holders()) await postJson(stack, `/calls/${id}/cancel`, {});
    await waitFor(async () => (await stack.deps.limiter.holders()).length === 0);
    const results = await Promise.all(Array.from({ length: 8 }, () => place(uniqueId('burst'))));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.status === 429)).toHaveLength(6);
    expect(await stack.deps.limiter.holders()).toHaveLength(2);
  });

  it('the sweeper gives back a slot a completed call kept', async () => {
    const holders = await stack.deps.limiter.holders();
    for (const id of holders) await postJson(stack, `/calls/${id}/cancel`, {});
    await Promise.all(holders.map((id) => waitForEvent(stack, id)));
    const finished = holders[0]!;
    // A process that died between the event and the release leaves the slot taken.
    await stack.deps.limiter.acquire(finished);
    expect(await stack.deps.limiter.holders()).toEqual([finished]);
    await stack.sweep();
    expect(await stack.deps.limiter.holders()).toEqual([]);
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
