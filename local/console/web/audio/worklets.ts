/// <reference path="./worklet-scope.d.ts" />
import {
  FRAME_BYTES,
  MIC_ENCODER,
  STREAM_PLAYER,
  type MicEncoderIn,
  type MicEncoderOut,
  type StreamPlayerIn,
  type StreamPlayerOut,
} from './messages';
import { decodeMulaw, encodeMulawSample, MULAW_SILENCE } from './mulaw';
import { Resampler } from './resampler';

const TWILIO_RATE = 8000;
/** Telephone band: keeps speech (and the fake model's voice-code tones) and stops aliasing above 4 kHz. */
const MIC_CUTOFF_HZ = 3600;
const PLAYBACK_CUTOFF_HZ = 3700;
const LEVEL_EVERY_SECONDS = 0.05;

/**
 * Microphone → Twilio frames: mixes to mono, low-passes and resamples the context rate to
 * 8 kHz, encodes μ-law and posts one 160-byte frame every 20 ms. Muted, it keeps sending
 * silence, as a muted phone does.
 */
class MicEncoder extends AudioWorkletProcessor {
  private readonly resampler = new Resampler(sampleRate, TWILIO_RATE, MIC_CUTOFF_HZ);
  private frame = new Uint8Array(FRAME_BYTES);
  private filled = 0;
  private energy = 0;
  private muted = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<MicEncoderIn>) => {
      if (event.data.type === 'mute') this.muted = event.data.muted;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const down = this.resampler.push(mono(inputs[0] ?? []));
    for (const sample of down) {
      const value = this.muted ? 0 : sample;
      this.energy += value * value;
      this.frame[this.filled++] = this.muted ? MULAW_SILENCE : encodeMulawSample(value * 32767);
      if (this.filled === FRAME_BYTES) this.flush();
    }
    return true;
  }

  private flush(): void {
    const message: MicEncoderOut = { type: 'frame', frame: this.frame, level: Math.sqrt(this.energy / FRAME_BYTES) };
    this.port.postMessage(message, [this.frame.buffer]);
    this.frame = new Uint8Array(FRAME_BYTES);
    this.filled = 0;
    this.energy = 0;
  }
}

/**
 * The agent's voice: μ-law from the stream, resampled to the context rate and played in
 * order, with Twilio's marks echoed once the audio before them has played. `clear` drops
 * everything queued (barge-in) and echoes the marks it dropped, as Twilio does.
 */
class StreamPlayer extends AudioWorkletProcessor {
  private readonly resampler = new Resampler(TWILIO_RATE, sampleRate, PLAYBACK_CUTOFF_HZ);
  private queue: Array<Float32Array | string> = [];
  private offset = 0;
  private energy = 0;
  private counted = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<StreamPlayerIn>) => this.receive(event.data);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const channels = outputs[0] ?? [];
    const out = channels[0];
    if (!out) return true;
    const played: string[] = [];
    let i = 0;
    while (i < out.length && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (typeof head === 'string') {
        played.push(head);
        this.queue.shift();
        continue;
      }
      const n = Math.min(out.length - i, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + n), i);
      i += n;
      this.offset += n;
      if (this.offset >= head.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    // A mark right after the last audio has played too.
    while (typeof this.queue[0] === 'string') played.push(this.queue.shift() as string);
    if (played.length) this.post({ type: 'played', marks: played });
    for (let c = 1; c < channels.length; c++) channels[c]!.set(out);
    this.meter(out);
    return true;
  }

  private receive(message: StreamPlayerIn): void {
    if (message.type === 'audio') {
      const samples = this.resampler.push(decodeMulaw(message.mulaw));
      if (samples.length) this.queue.push(samples);
    } else if (message.type === 'mark') {
      this.queue.push(message.name);
    } else {
      const dropped = this.queue.filter((item): item is string => typeof item === 'string');
      this.queue = [];
      this.offset = 0;
      this.resampler.reset();
      if (dropped.length) this.post({ type: 'played', marks: dropped });
    }
  }

  private meter(out: Float32Array): void {
    for (const sample of out) this.energy += sample * sample;
    this.counted += out.length;
    if (this.counted < sampleRate * LEVEL_EVERY_SECONDS) return;
    this.post({ type: 'level', level: Math.sqrt(this.energy / this.counted) });
    this.energy = 0;
    this.counted = 0;
  }

  private post(message: StreamPlayerOut): void {
    this.port.postMessage(message);
  }
}

function mono(channels: Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(128);
  if (channels.length === 1) return first;
  const mixed = new Float32Array(first.length);
  for (const channel of channels) for (let i = 0; i < mixed.length; i++) mixed[i]! += channel[i]! / channels.length;
  return mixed;
}

registerProcessor(MIC_ENCODER, MicEncoder);
registerProcessor(STREAM_PLAYER, StreamPlayer);
