import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voiceCodeDurationMs } from '../local/audio/voice-code';
import { conversationScript, type AgentScript } from '../local/fake-openai/scripts';
import { scenarioDispatcher, scenarioMarker } from '../local/scenario-scripts';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { logger } from '../shared/logger';
import { BridgeCallControl } from '../media-service/call-control';
import { getCall, initiate, startTestStack, TEST_TIME_SCALE, uniqueId, waitForEvent } from './support/stack';

/**
 * Call control on whole simulated calls: the agent hangs up after its goodbye has played,
 * presses keys the far end hears as DTMF, hears the caller's keys, and a failed transfer
 * leaves the call with the agent. The fake model is driven by the scripts below.
 */

const GOODBYE = 'Thanks for your time, Sam. Goodbye!';
const endCall = { name: 'end_call', arguments: { reason: 'test over' } };

const scripts: Record<string, AgentScript> = {
  'hang-up': { next: ({ trigger }) => (trigger === 'greeting' ? { say: GOODBYE, end: true, andCall: endCall } : undefined) },
  keypad: {
    next: ({ trigger, history }) => {
      if (trigger === 'greeting') return { call: { name: 'send_dtmf', arguments: { digits: '1w2#' } } };
      if (trigger === 'tool_output' && history.at(-1)?.toolName === 'send_dtmf') return { say: 'Done. Goodbye!', end: true, andCall: endCall };
      return undefined;
    },
  },
  'keys-in': {
    next: ({ trigger, history }) => {
      if (trigger === 'greeting') return { say: 'Hello! Press any key.' };
      const pressed = history.find((entry) => entry.role === 'user' && entry.text.startsWith('The caller pressed'));
      const digit = pressed && /pressed (\S+)/.exec(pressed.text)?.[1];
      return digit ? { say: `You pressed ${digit}. Goodbye!`, end: true, andCall: endCall } : undefined;
    },
  },
  'transfer-fails': {
    next: ({ trigger, history }) => {
      if (trigger === 'greeting') return { say: 'One moment, transferring you.', andCall: { name: 'transfer_call', arguments: {} } };
      if (trigger === 'tool_output' && history.at(-1)?.toolName === 'transfer_call') return { say: 'Sorry, no one is free. Goodbye!', end: true, andCall: endCall };
      return undefined;
    },
  },
};

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    agent: scenarioDispatcher(scripts, conversationScript),
    overrides: { ALLOWED_DESTINATION_PREFIXES: '+1' },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Places a call whose agent follows `script` and whose callee stays on the line until the app ends the call. */
async function placeCall(script: string, to: string, extra: Record<string, unknown> = {}, callee: Record<string, unknown> = {}) {
  stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [], stayOnLine: true, maxCallMs: 30_000, ...callee }, ...(extra.behaviour as object) });
  const callbackId = uniqueId(script);
  const { behaviour: _ignored, ...body } = extra;
  const res = await initiate(stack, { callbackId, to, instructions: `${scenarioMarker(script)} Your name is Ava.`, ...body });
  expect(res.status).toBe(200);
  const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
  const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
  return { callbackId, detail, sim, stream: sim.streams[0]! };
}

describe('end_call', () => {
  it('hangs up through Twilio only after the goodbye has fully played', async () => {
    const { detail, sim, stream } = await placeCall('hang-up', '+15557710001');

    // The callee decodes an utterance only once all of it has played: the hang-up came after the whole goodbye.
    expect(stream.heard).toEqual([GOODBYE]);
    expect(stream.endReason).toBe('twilio-stopped');
    expect(sim.updates).toMatchObject([{ params: { Status: 'completed' }, outcome: 'hangup' }]);
    expect(sim.updates[0]!.at - stream.startedAt!).toBeGreaterThanOrEqual(voiceCodeDurationMs(GOODBYE) / TEST_TIME_SCALE);
    expect(detail.outcome).toBe('completed');
    expect(detail.toolCalls).toMatchObject([{ name: 'end_call', ok: true }]);
    expect((await getCall(stack, detail.callbackId)).body.toolCalls).toMatchObject([{ name: 'end_call', arguments: { reason: 'test over' }, result: { ended: true } }]);
  });
});

describe('keypad', () => {
  it('send_dtmf plays keypad tones on the stream that the far end decodes as the digits', async () => {
    const { detail, stream } = await placeCall('keypad', '+15557710002');
    expect(stream.dtmfHeard).toEqual(['1', '2', '#']);
    expect(detail.toolCalls.map((t) => t.name)).toEqual(['send_dtmf', 'end_call']);
    expect((await getCall(stack, detail.callbackId)).body.toolCalls[0]).toMatchObject({ arguments: { digits: '1w2#' }, result: { pressed: '1w2#' } });
  });

  it("the caller's key presses reach the agent as text", async () => {
    const { detail, stream } = await placeCall('keys-in', '+15557710003', {}, { utterances: ['Hello?'], dtmf: [{ afterUtterance: 0, digits: '7' }] });
    expect(stream.dtmfSent).toEqual(['7']);
    expect(detail.transcript.filter((t) => t.role === 'assistant').map((t) => t.text)).toContain('You pressed 7. Goodbye!');
  });
});

describe('transfer_call', () => {
  it('when Twilio refuses the transfer, the agent is told, carries on, and the outcome is not "transferred"', async () => {
    const to = '+15557710004';
    const { detail, sim } = await placeCall('transfer-fails', to, {
      transferTo: '+15557719999',
      behaviour: { updateError: { status: 400, code: 21220, message: 'Call is not in-progress. Cannot redirect.' } },
    });
    expect(sim.dialed).toEqual([]);
    expect(detail.toolCalls[0]).toMatchObject({ name: 'transfer_call', ok: false });
    expect((await getCall(stack, detail.callbackId)).body.toolCalls[0]).toMatchObject({ error: expect.stringMatching(/transfer did not go through/) });
    expect(detail.transcript.map((t) => t.text)).toContain('Sorry, no one is free. Goodbye!');
    expect(detail.outcome).toBe('completed');
  });

  it('refuses a transferTo outside the destination allow-list at initiate', async () => {
    const callbackId = uniqueId('transfer-guard');
    const res = await initiate(stack, { callbackId, to: '+15557710005', transferTo: '+442079460000' });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('transfer_destination_not_allowed');
    expect((await getCall(stack, callbackId)).status).toBe(404);
  });

  it('refuses a destination outside the allow-list at transfer time, without touching Twilio', async () => {
    let updates = 0;
    const control = new BridgeCallControl({
      callbackId: 'guard',
      from: '+15550001111',
      line: {
        callSid: () => 'CA00000000000000000000000000000000',
        playback: () => undefined,
        hangUpAfterPlayback: async () => undefined,
      },
      twilio: () => {
        updates++;
        return stack.deps.twilio();
      },
      store: stack.deps.store,
      allowedPrefixes: ['+1'],
      log: logger,
    });
    await expect(control.transfer('+442079460000')).rejects.toThrow(/not allowed/);
    expect(updates).toBe(0);
  });
});
