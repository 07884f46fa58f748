import { NotFoundError } from '../shared/http-error';
import { withoutSecrets } from '../shared/call-record';
import { endReasonOf } from '../shared/end-reason';
import { knownOutcome } from '../shared/outcome';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, json, type HttpHandler } from './lib/http';
import { authorizeCaller, pathCallbackId } from './lib/request';

/** `GET /calls/{callbackId}`: the whole call — state, status history, transcript, tool calls. */
export function createGetCallHandler(deps: Deps): HttpHandler {
  return httpHandler(async (event) => {
    authorizeCaller(event, deps.config);
    const callbackId = pathCallbackId(event);
    const details = await deps.store.details(callbackId);
    if (!details) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    const call = { ...withoutSecrets(details.call), outcome: knownOutcome(details.call), endReason: endReasonOf(details.call) };
    return json(200, { ...details, call });
  });
}

export const handler = lambdaEntry(createGetCallHandler, ['API_KEY']);
