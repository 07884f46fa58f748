import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from '../shared/http-error';
import { createEventPublisher, RECORDING_AVAILABLE, type EventPublisher } from '../shared/events';
import { callLogger } from '../shared/logger';
import { isTwilioApiUrl, RecordingArchive, recordingArchive } from '../shared/recordings';
import { createTwilioClient } from '../shared/twilio-client';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, noContent, type HttpHandler } from './lib/http';
import { verifyTwilioWebhook } from './lib/request';

const recordingCallbackSchema = z.looseObject({
  CallSid: z.string(),
  RecordingSid: z.string().regex(/^RE[0-9a-f]{32}$/),
  RecordingUrl: z.url(),
  RecordingStatus: z.string(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
  RecordingChannels: z.coerce.number().int().min(1).max(2).optional(),
});

export interface RecordingServices {
  /** Undefined when RECORDING_BUCKET is not set: the recording stays at Twilio. */
  archive: RecordingArchive | undefined;
  publisher: EventPublisher;
}

/**
 * `POST /webhooks/recording-status?callbackId=…`: a signed Twilio recording callback. A
 * completed recording is copied into the recordings bucket, recorded on the call, announced
 * with a `Recording Available` event, and (DELETE_TWILIO_RECORDINGS) deleted at Twilio once
 * it is safe in the bucket. A copy that fails leaves Twilio's copy in place and answers 502.
 */
export function createRecordingStatusHandler(deps: Deps, services: RecordingServices): HttpHandler {
  const { config: c, store } = deps;
  return httpHandler(async (event) => {
    const params = verifyTwilioWebhook(event, c.BASE_URL, c.TWILIO_AUTH_TOKEN ?? '');
    const callbackId = event.queryStringParameters?.callbackId;
    if (!callbackId) throw new BadRequestError('The callbackId query parameter is required');
    const parsed = recordingCallbackSchema.safeParse(params);
    if (!parsed.success) throw new BadRequestError('Not a recording status callback', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    const callback = parsed.data;
    const log = callLogger({ callbackId, callSid: callback.CallSid });
    const call = await store.get(callbackId);
    if (!call) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    if (callback.RecordingStatus !== 'completed' || (call.callSid && call.callSid !== callback.CallSid)) return noContent();
    const key = RecordingArchive.keyFor(callbackId, callback.RecordingSid);
    if (!services.archive || call.recording?.key === key) return noContent();
    if (!isTwilioApiUrl(callback.RecordingUrl, c.TWILIO_API_URL)) throw new BadRequestError('RecordingUrl is not on the Twilio API');

    let stored;
    try {
      stored = await services.archive.copyFromTwilio(callback.RecordingUrl, { accountSid: c.TWILIO_ACCOUNT_SID ?? '', authToken: c.TWILIO_AUTH_TOKEN ?? '' }, key);
    } catch (error) {
      log.error('Recording could not be copied; it stays at Twilio', { error: error instanceof Error ? error.message : String(error) });
      return { statusCode: 502 };
    }
    const recording = {
      bucket: stored.bucket,
      key: stored.key,
      durationSeconds: callback.RecordingDuration ?? 0,
      channels: callback.RecordingChannels ?? 1,
    };
    await store.mutate(callbackId, () => ({ recording }));
    log.info('Recording copied to the bucket', { key, bytes: stored.bytes, durationSeconds: recording.durationSeconds });
    await services.publisher.publishRecordingAvailable({
      schemaVersion: '1.0',
      eventId: eventIdFor(key),
      callbackId,
      callSid: call.callSid ?? callback.CallSid,
      recording,
      metadata: call.request.metadata ?? null,
    });
    if (c.DELETE_TWILIO_RECORDINGS) {
      await deps
        .twilio()
        .recordings(callback.RecordingSid)
        .remove()
        .catch((error: unknown) => log.warn("Twilio's copy of the recording could not be deleted", { error: error instanceof Error ? error.message : String(error) }));
    }
    return noContent();
  });
}

function eventIdFor(key: string): string {
  const hex = createHash('sha256').update(`${RECORDING_AVAILABLE}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function recordingServices(deps: Deps): RecordingServices {
  return { archive: recordingArchive(deps.config), publisher: createEventPublisher(deps.config) };
}

export const handler = lambdaEntry((deps) => createRecordingStatusHandler(deps, recordingServices(deps)), ['TWILIO_AUTH_TOKEN'], createTwilioClient);
