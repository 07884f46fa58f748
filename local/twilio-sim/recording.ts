import { mulawToPcm16 } from '../../media-service/audio/mulaw';
import { API_VERSION, newSid } from './format';

const MULAW_SILENCE = 0xff;

/**
 * A call recording as Twilio makes one with `Record=true`: both sides of the call's audio, frame
 * by frame as the far end heard and said it; dual-channel (`RecordingChannels=dual`) keeps the
 * callee on channel 1 and the application's audio on channel 2, mono mixes them.
 */
export class SimRecording {
  readonly sid = newSid('RE');
  readonly url: string;
  deleted = false;
  private readonly callee: Uint8Array[] = [];
  private readonly app: Uint8Array[] = [];

  constructor(
    apiUrl: string,
    accountSid: string,
    readonly channels: 1 | 2,
  ) {
    this.url = `${apiUrl}/${API_VERSION}/Accounts/${accountSid}/Recordings/${this.sid}`;
  }

  /** One 20 ms tick: what the callee said and what the application's audio played (μ-law 8 kHz). */
  addFrame(callee: Uint8Array, app: Uint8Array | undefined): void {
    this.callee.push(callee.slice());
    const played = new Uint8Array(callee.length).fill(MULAW_SILENCE);
    if (app) played.set(app.subarray(0, callee.length));
    this.app.push(played);
  }

  get durationSeconds(): number {
    return Math.ceil(this.callee.reduce((sum, frame) => sum + frame.length, 0) / 8000);
  }

  /** The recording as Twilio serves it at its URL: 16-bit PCM WAV, 8 kHz. */
  wav(): Buffer {
    const callee = mulawToPcm16(concat(this.callee));
    const app = mulawToPcm16(concat(this.app));
    const frames = Math.max(callee.length, app.length);
    const data = Buffer.alloc(frames * 2 * this.channels);
    for (let i = 0; i < frames; i++) {
      const a = callee[i] ?? 0;
      const b = app[i] ?? 0;
      if (this.channels === 2) {
        data.writeInt16LE(a, i * 4);
        data.writeInt16LE(b, i * 4 + 2);
      } else {
        data.writeInt16LE(Math.max(-32768, Math.min(32767, a + b)), i * 2);
      }
    }
    return Buffer.concat([wavHeader(data.length, this.channels, 8000), data]);
  }
}

function concat(frames: Uint8Array[]): Uint8Array {
  return Buffer.concat(frames);
}

function wavHeader(dataBytes: number, channels: number, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
