/**
 * Twilio's side of a Media Stream: the messages it sends the app. No imports and no Node APIs:
 * the simulator's callee and the dev console's browser phone both speak it.
 */

export interface StreamIdentity {
  streamSid: string;
  accountSid: string;
  callSid: string;
}

/** Builds Twilio's messages; numbers are strings on the wire, as Twilio sends them. */
export class TwilioStreamMessages {
  private sequence = 0;
  private chunk = 0;

  constructor(private readonly identity: StreamIdentity) {}

  connected() {
    return { event: 'connected', protocol: 'Call', version: '1.0.0' };
  }

  start(customParameters: Record<string, string>) {
    const { streamSid, accountSid, callSid } = this.identity;
    return {
      event: 'start',
      sequenceNumber: this.next(),
      start: {
        accountSid,
        streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid,
    };
  }

  /** One 20 ms frame of the callee's audio, already base64 μ-law. */
  media(payloadBase64: string, timestampMs: number) {
    this.chunk += 1;
    return {
      event: 'media',
      sequenceNumber: this.next(),
      media: {
        track: 'inbound',
        chunk: String(this.chunk),
        timestamp: String(Math.round(timestampMs)),
        payload: payloadBase64,
      },
      streamSid: this.identity.streamSid,
    };
  }

  mark(name: string) {
    return { event: 'mark', sequenceNumber: this.next(), streamSid: this.identity.streamSid, mark: { name } };
  }

  dtmf(digit: string) {
    return {
      event: 'dtmf',
      streamSid: this.identity.streamSid,
      sequenceNumber: this.next(),
      dtmf: { track: 'inbound_track', digit },
    };
  }

  stop() {
    const { streamSid, accountSid, callSid } = this.identity;
    return { event: 'stop', sequenceNumber: this.next(), streamSid, stop: { accountSid, callSid } };
  }

  private next(): string {
    this.sequence += 1;
    return String(this.sequence);
  }
}
