import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { initiate, startTestStack, uniqueId } from './support/stack';

describe("the embedded stack's activity feed (what npm run dev prints per call)", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('reports each status callback the API accepted, in order, as the call progresses', async () => {
    const statuses: string[] = [];
    const callbackId = uniqueId('activity');
    stack.activity.on('status', (id, status) => {
      if (id === callbackId) statuses.push(status);
    });
    stack.twilio!.setBehaviour('+15557776001', { kind: 'busy' });
    expect((await initiate(stack, { callbackId, to: '+15557776001' })).status).toBe(200);
    await expect.poll(() => statuses.at(-1), { timeout: 20_000 }).toBe('busy');
    expect(statuses).toEqual(['initiated', 'busy']);
  });
});
