import { z } from 'zod';
import { NotFoundError } from '../shared/http-error';
import { callDetailsSchema, callRecordSchema, withoutSecrets } from '../shared/call-record';
import { endReasonOf, endReasonSchema } from '../shared/end-reason';
import { knownOutcome, OUTCOMES } from '../shared/outcome';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, json, type HttpHandler } from './lib/http';
import { authorizeCaller, pathCallbackId } from './lib/request';

/** What `GET /calls/{callbackId}` answers: the call without its stream secrets, with its outcome and end reason once known. */
export const callViewSchema = callDetailsSchema.extend({
  call: callRecordSchema
    .omit({ streamTokenSeed: true, streamTokenHash: true, streamTokenExpiresAt: true, version: true })
    .extend({ outcome: z.enum(OUTCOMES).nullable(), endReason: endReasonSchema.optional() }),
});
export type CallView = z.infer<typeof callViewSchema>;

/** `GET /calls/{callbackId}`: the whole call — state, status history, transcript, tool calls. */
export function createGetCallHandler(deps: Deps): HttpHandler {
  return httpHandler(async (event) => {
    authorizeCaller(event, deps.config);
    const callbackId = pathCallbackId(event);
    const details = await deps.store.details(callbackId);
    if (!details) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    const view: CallView = {
      ...details,
      call: { ...withoutSecrets(details.call), outcome: knownOutcome(details.call), endReason: endReasonOf(details.call) },
    };
    return json(200, view);
  });
}

export const handler = lambdaEntry(createGetCallHandler, ['API_KEY']);
