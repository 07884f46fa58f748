import { NotFoundError, BadRequestError } from '../shared/http-error';
import { CALLBACK_ID } from '../shared/patterns';
import { endReasonOf } from '../shared/end-reason';
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
    return json(200, { ...details, call: { ...call, endReason: endReasonOf(details.call) } });
  });
}

export const handler = lambdaEntry(createGetCallHandler, ['API_KEY']);
