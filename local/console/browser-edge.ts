import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { newCallRecord } from '../../functions/initiate';
import type { Deps } from '../../functions/lib/deps';
import { applyStatusCallback, type StatusCallback } from '../../shared/call-lifecycle';
import { initiateRequestSchema, isTerminal } from '../../shared/call-record';
import { BadRequestError, ConflictError } from '../../shared/http-error';
import { callLogger } from '../../shared/logger';
import { issueStreamToken } from '../../shared/stream-token';

/**
 * The number a browser call is "to": a fictional 555-01xx number, since the far end is a tab.
 * The record's metadata says what it really was.
 */
export const BROWSER_CALLEE_NUMBER = '+15555550100';
export const BROWSER_CALL_METADATA = { channel: 'browser', placedBy: 'dev-console' } as const;

/** What the console's "call me in the browser" form may choose: the agent side of an initiate request. */
export const browserCallRequestSchema = initiateRequestSchema
  .pick({ provider: true, model: true, voice: true, instructions: true, variables: true, maxDurationSeconds: true })
  .strict();

/** What the page needs to speak Twilio's side of the Media Stream itself. */
export interface PlacedBrowserCall {
  callbackId: string;
  callSid: string;
  accountSid: string;
  /** The single-use stream token, exactly as the TwiML would carry it in `<Parameter name="streamToken">`. */
  streamToken: string;
  answeredAt: number;
}

/**
 * Twilio's part in a call whose far end is a browser tab: the call is created through the same
 * store and request schema as `POST /call/initiate`, answered at once (no phone rings), given a
 * stream token the way the TwiML handler gives one, and ended with the status callback Twilio
 * would send at hang-up. The media service sees an ordinary call.
 */
export class BrowserCallEdge {
  constructor(private readonly deps: Deps) {}

  async place(body: unknown): Promise<PlacedBrowserCall> {
    const choice = browserCallRequestSchema.safeParse(body);
    if (!choice.success) throw invalid(choice.error);
    const callbackId = `browser-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const request = initiateRequestSchema.safeParse({
      ...choice.data,
      callbackId,
      to: BROWSER_CALLEE_NUMBER,
      metadata: BROWSER_CALL_METADATA,
    });
    if (!request.success) throw invalid(request.error);
    if (!(await this.deps.store.create(newCallRecord(this.deps, request.data)))) {
      throw new ConflictError('The generated callbackId is taken; try again');
    }

    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const now = this.deps.now();
    const { token, mutation } = issueStreamToken(this.deps.config.TWILIO_AUTH_TOKEN ?? '', callbackId, now, this.deps.config.STREAM_TOKEN_TTL_SECONDS);
    const answered = this.callback(callSid, { CallStatus: 'in-progress', SequenceNumber: 0 });
    await this.deps.store.mutate(callbackId, (call) => ({ ...applyStatusCallback(call, answered, now), ...mutation }));
    callLogger({ callbackId, callSid }).info('Browser call answered');
    return {
      callbackId,
      callSid,
      accountSid: this.deps.config.TWILIO_ACCOUNT_SID ?? `AC${'0'.repeat(32)}`,
      streamToken: token,
      answeredAt: now.getTime(),
    };
  }

  /**
   * The browser hung up (or never connected): the status callback Twilio sends when a call
   * ends, then the completion claim, which publishes once the media side has finished too.
   */
  async hangUp(call: PlacedBrowserCall, failure?: { code: string; message: string }): Promise<void> {
    const now = this.deps.now();
    const ended = this.callback(call.callSid, {
      CallStatus: failure ? 'failed' : 'completed',
      SequenceNumber: 1,
      CallDuration: Math.max(0, Math.round((now.getTime() - call.answeredAt) / 1000)),
      ErrorCode: failure?.code,
      ErrorMessage: failure?.message,
    });
    const log = callLogger({ callbackId: call.callbackId, callSid: call.callSid });
    const result = await this.deps.store.mutate(call.callbackId, (current) =>
      current.callSid === call.callSid ? applyStatusCallback(current, ended, now) : undefined,
    );
    if (!result?.changed || !isTerminal(result.call.status)) return;
    const completion = await this.deps.completer.complete(call.callbackId, 'dev-console');
    log.info('Browser call ended', { status: result.call.status, completion });
  }

  private callback(callSid: string, fields: Omit<StatusCallback, 'CallSid'>): StatusCallback {
    return { CallSid: callSid, ...fields };
  }
}

function invalid(error: z.ZodError): BadRequestError {
  return new BadRequestError(
    'The request body is not valid',
    error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    'validation_error',
  );
}
