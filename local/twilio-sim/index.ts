import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallRun } from './lifecycle';
import { createMessage } from './messages';
import { createRestHandler } from './rest';
import type { CallBehaviour, RestRequestRecord, SimCall, SimMessage, TwilioSimulator, WaitState } from './types';
import { waitAtMost } from '../../shared/wait-at-most';

export type * from './types';
export type { TwimlVerb, StreamNoun } from './twiml';
export { VOICEMAIL_GREETING } from './speech';

export interface TwilioSimulatorOptions {
  accountSid: string;
  authToken: string;
  /** @default 0 (any free port) */
  port?: number;
  /**
   * How many times faster than real time the callee talks and listens, and the voicemail greeting,
   * beep, `<Pause>` and `<Dial>` last (for tests whose behaviour does not depend on wall time).
   * Ringing, webhooks and `TimeLimit` keep wall time. @default 1
   */
  timeScale?: number;
}

const DEFAULT_BEHAVIOUR: CallBehaviour = { kind: 'answer' };
const CLOSE_TIMEOUT_MS = 5_000;

/** Starts Twilio on loopback: REST API, signed webhooks, and a simulated callee on each Media Stream. */
export async function startTwilioSimulator(options: TwilioSimulatorOptions): Promise<TwilioSimulator> {
  const { accountSid, authToken } = options;
  const behaviours = new Map<string, CallBehaviour>();
  const runs = new Map<string, CallRun>();
  const calls: SimCall[] = [];
  const messages: SimMessage[] = [];
  const requests: RestRequestRecord[] = [];
  const shutdown = new AbortController();
  const callWaiters = new Map<string, Array<(run: CallRun) => void>>();
  let apiUrl = '';

  const server = createServer(
    createRestHandler({
      accountSid,
      authToken,
      requests,
      behaviourFor: (to) => behaviours.get(to) ?? behaviours.get('*') ?? DEFAULT_BEHAVIOUR,
      placeCall(params, behaviour) {
        const run = new CallRun(params, behaviour, { accountSid, authToken, apiUrl, shutdown: shutdown.signal, timeScale: options.timeScale ?? 1 });
        runs.set(run.call.sid, run);
        calls.push(run.call);
        for (const notify of callWaiters.get(run.call.sid) ?? []) notify(run);
        callWaiters.delete(run.call.sid);
        return run;
      },
      findCall: (sid) => runs.get(sid),
      sendMessage(params) {
        const message = createMessage(params, { accountSid, authToken, shutdown: shutdown.signal });
        messages.push(message);
        return message;
      },
      findMessage: (sid) => messages.find((message) => message.sid === sid),
      findRecording: (sid) => calls.find((call) => call.recording?.sid === sid)?.recording,
    }),
  );
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function runFor(sid: string): Promise<CallRun> {
    const known = runs.get(sid);
    if (known) return Promise.resolve(known);
    if (shutdown.signal.aborted) return Promise.reject(new Error('simulator closed'));
    return new Promise((resolve, reject) => {
      callWaiters.set(sid, [...(callWaiters.get(sid) ?? []), resolve]);
      shutdown.signal.addEventListener('abort', () => reject(new Error(`simulator closed before call ${sid} existed`)), {
        once: true,
      });
    });
  }

  return {
    apiUrl,
    calls,
    messages,
    requests,
    setBehaviour(to, behaviour) {
      behaviours.set(to, behaviour);
    },
    async waitForCall(sid: string, state?: WaitState): Promise<SimCall> {
      const run = await runFor(sid);
      if (state === 'answered') return run.answered;
      if (state === 'streaming') return run.streaming;
      if (state === 'ended') return run.ended;
      return run.call;
    },
    async close() {
      for (const run of runs.values()) {
        run.hangUp('completed');
        run.start();
      }
      shutdown.abort();
      const settled = Promise.allSettled([...runs.values()].map((run) => run.ended));
      await waitAtMost(settled, CLOSE_TIMEOUT_MS);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
