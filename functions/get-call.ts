import { NotFoundError, BadRequestError } from '../shared/http-error';
import { CALLBACK_ID } from '../shared/patterns';
import { isTerminal } from '../shared/call-record';
import { endReasonOf } from '../shared/end-reason';
import { outcomeOf } from '../shared/outcome';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, json, type HttpHandler } from './lib/http';
import { authorizeCaller } from './lib/request';

/** `GET /calls/{callbackId}`: the whole call — state, status history, transcript, tool calls. */
export function createGetCallHandler(deps: Deps): HttpHandler {
  return httpHandler(async (event) => {
    authorizeCaller(event, deps.config);
    const callbackId = event.pathParameters?.callbackId ?? '';
    if (!CALLBACK_ID.test(callbackId)) throw new BadRequestError('Not a valid callbackId');
    const details = await deps.store.details(callbackId);
    if (!details) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    const { streamTokenSeed: _seed, streamTokenHash: _hash, streamTokenExpiresAt: _expires, version: _version, ...call } = details.call;
    // The outcome is known once Twilio has reported the call's end (`null` before).
    const outcome = isTerminal(call.status) ? outcomeOf(details.call) : null;
    return json(200, { ...details, call: { ...call, outcome, endReason: endReasonOf(details.call) } });
  });
}

export const handler = lambdaEntry(createGetCallHandler, ['API_KEY']);
