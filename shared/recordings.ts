import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { awsClientOptions } from './aws';
import type { Config } from './config';

/** How long a link from `GET /calls/{callbackId}/recording` works. */
export const RECORDING_LINK_SECONDS = 300;

export interface StoredRecording {
  bucket: string;
  key: string;
  bytes: number;
}

/**
 * Call recordings in the deployment's own bucket: copied from Twilio (fetched with the account's
 * credentials, streamed into S3 without touching disk) and handed out through short-lived links.
 * The bucket's default encryption (SSE-KMS) applies to every object.
 */
export class RecordingArchive {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  static keyFor(callbackId: string, recordingSid: string): string {
    return `recordings/${callbackId}/${recordingSid}.wav`;
  }

  /** Copies Twilio's WAV of a recording into the bucket. */
  async copyFromTwilio(recordingUrl: string, auth: { accountSid: string; authToken: string }, key: string): Promise<StoredRecording> {
    const response = await fetch(`${recordingUrl}.wav`, {
      headers: { authorization: `Basic ${Buffer.from(`${auth.accountSid}:${auth.authToken}`).toString('base64')}` },
      redirect: 'follow',
    });
    if (!response.ok || !response.body) throw new Error(`Twilio answered ${response.status} for the recording`);
    const length = Number(response.headers.get('content-length'));
    // A known length lets S3 take the stream as it arrives; otherwise the file is read first.
    const body = Number.isFinite(length) && length > 0 ? Readable.fromWeb(response.body as never) : Buffer.from(await response.arrayBuffer());
    const bytes = Buffer.isBuffer(body) ? body.length : length;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: bytes, ContentType: 'audio/wav' }));
    return { bucket: this.bucket, key, bytes };
  }

  /** A GET link to the object valid for RECORDING_LINK_SECONDS. */
  link(key: string): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: RECORDING_LINK_SECONDS });
  }
}

/** The archive of this deployment, or undefined when RECORDING_BUCKET is not set (recordings stay at Twilio). */
export function recordingArchive(c: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT' | 'RECORDING_BUCKET'>): RecordingArchive | undefined {
  if (!c.RECORDING_BUCKET) return undefined;
  // An endpoint override is an S3-compatible store (the embedded one): path-style addressing, and
  // no streamed checksum trailers (aws-chunked uploads), which such stores do not decode.
  const local = c.S3_ENDPOINT ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {};
  const s3 = new S3Client({ ...awsClientOptions(c.AWS_REGION, c.S3_ENDPOINT), ...local });
  return new RecordingArchive(s3, c.RECORDING_BUCKET);
}

/** True when `url` is on the Twilio API this deployment talks to (the only place its credentials may be sent). */
export function isTwilioApiUrl(url: string, apiUrl: string | undefined): boolean {
  const base = new URL(apiUrl ?? 'https://api.twilio.com');
  const target = new URL(url);
  return target.origin === base.origin;
}
