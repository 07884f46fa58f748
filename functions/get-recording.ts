import { HttpError, NotFoundError } from '../shared/http-error';
import { recordingArchive, type RecordingArchive } from '../shared/recordings';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, type HttpHandler } from './lib/http';
import { authorizeCaller, pathCallbackId } from './lib/request';

/** `GET /calls/{callbackId}/recording`: 302 to a link to the recording in the bucket, valid 5 minutes. */
export function createGetRecordingHandler(deps: Deps, archive: RecordingArchive | undefined): HttpHandler {
  return httpHandler(async (event) => {
    authorizeCaller(event, deps.config);
    const callbackId = pathCallbackId(event);
    const call = await deps.store.get(callbackId);
    if (!call) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    if (!call.recording || !archive) {
      throw new HttpError(404, 'recording_not_available', call.request.record ? 'The recording is not in the bucket yet' : 'The call was not recorded');
    }
    return { statusCode: 302, headers: { location: await archive.link(call.recording.key), 'cache-control': 'no-store' } };
  });
}

export const handler = lambdaEntry((deps) => createGetRecordingHandler(deps, recordingArchive(deps.config)), ['API_KEY']);
