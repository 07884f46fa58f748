import { FRAME_MS, MIC_ENCODER, STREAM_PLAYER, type MicEncoderOut, type StreamPlayerIn, type StreamPlayerOut } from '../audio/messages';
import type { PlacedBrowserCall } from '../types';
import { TwilioStreamMessages } from '../../../twilio-sim/stream-builder';
import { fromBase64, newStreamSid, parseInbound, toBase64 } from './stream-messages';

const WORKLETS_URL = '/console/assets/audio-worklets.js';

export type PhoneState = 'connecting' | 'live' | 'ended';

export interface PhoneSnapshot {
  state: PhoneState;
  muted: boolean;
  /** RMS of the last 20 ms, 0..1. */
  micLevel: number;
  agentLevel: number;
  startedAt: number | undefined;
  endReason: string | undefined;
}

/** Asks for the microphone before any call exists, so a refusal places no call. */
export function openMicrophone(voiceProcessing: boolean): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: voiceProcessing, noiseSuppression: voiceProcessing, autoGainControl: voiceProcessing },
  });
}

/**
 * The browser as the far end of a call: it speaks Twilio's side of the Media Stream (connected,
 * start with the stream token, 20 ms μ-law frames, mark echoes, stop) over the console's relay,
 * plays the agent's audio and drops it on `clear`.
 */
export class BrowserPhone {
  readonly callbackId: string;
  private readonly messages: TwilioStreamMessages;
  private readonly listeners = new Set<(snapshot: PhoneSnapshot) => void>();
  private snapshot: PhoneSnapshot = { state: 'connecting', muted: false, micLevel: 0, agentLevel: 0, startedAt: undefined, endReason: undefined };
  private socket: WebSocket | undefined;
  private context: AudioContext | undefined;
  private micNode: AudioWorkletNode | undefined;
  private player: AudioWorkletNode | undefined;
  private framesSent = 0;

  constructor(
    private readonly call: PlacedBrowserCall,
    private readonly microphone: MediaStream,
  ) {
    this.callbackId = call.callbackId;
    this.messages = new TwilioStreamMessages({ streamSid: newStreamSid(), accountSid: call.accountSid, callSid: call.callSid });
  }

  get state(): PhoneSnapshot {
    return this.snapshot;
  }

  subscribe(listener: (snapshot: PhoneSnapshot) => void): () => void {
    this.listeners.add(listener);
    listener(this.snapshot);
    return () => this.listeners.delete(listener);
  }

  async connect(): Promise<void> {
    try {
      const context = new AudioContext({ latencyHint: 'interactive' });
      this.context = context;
      await context.audioWorklet.addModule(WORKLETS_URL);
      await context.resume();
      this.player = new AudioWorkletNode(context, STREAM_PLAYER, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      this.player.port.onmessage = (event: MessageEvent<StreamPlayerOut>) => this.onPlayer(event.data);
      this.player.connect(context.destination);
      this.micNode = new AudioWorkletNode(context, MIC_ENCODER, { numberOfInputs: 1, numberOfOutputs: 0 });
      this.micNode.port.onmessage = (event: MessageEvent<MicEncoderOut>) => this.onFrame(event.data);
      context.createMediaStreamSource(this.microphone).connect(this.micNode);
    } catch (error) {
      this.end(`audio could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}${this.call.mediaStreamPath}?ticket=${encodeURIComponent(this.call.ticket)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.send(this.messages.connected());
      this.send(this.messages.start({ callbackId: this.call.callbackId, streamToken: this.call.streamToken }));
      this.update({ state: 'live', startedAt: Date.now() });
    };
    socket.onmessage = (event) => this.onStreamMessage(event.data);
    socket.onclose = (event) => this.end(event.reason || (this.snapshot.state === 'connecting' ? 'could not connect' : 'the call ended'));
  }

  setMuted(muted: boolean): void {
    this.micNode?.port.postMessage({ type: 'mute', muted });
    this.update({ muted });
  }

  /** Hangs up the way Twilio ends a stream: `stop`, then close. */
  hangUp(): void {
    if (this.snapshot.state === 'ended') return;
    this.send(this.messages.stop());
    this.socket?.close(1000, 'caller hung up');
    this.end('you hung up');
  }

  private onFrame({ frame, level }: MicEncoderOut): void {
    if (this.snapshot.state !== 'live') return;
    this.send(this.messages.media(toBase64(frame), this.framesSent++ * FRAME_MS));
    this.update({ micLevel: level });
  }

  private onStreamMessage(data: unknown): void {
    const message = parseInbound(data);
    if (!message) return;
    if (message.event === 'media') this.toPlayer({ type: 'audio', mulaw: fromBase64(message.media.payload) });
    else if (message.event === 'mark') this.toPlayer({ type: 'mark', name: message.mark.name });
    else this.toPlayer({ type: 'clear' });
  }

  private onPlayer(message: StreamPlayerOut): void {
    if (message.type === 'level') return this.update({ agentLevel: message.level });
    for (const name of message.marks) this.send(this.messages.mark(name));
  }

  private toPlayer(message: StreamPlayerIn): void {
    this.player?.port.postMessage(message);
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private end(reason: string): void {
    if (this.snapshot.state === 'ended') return;
    for (const track of this.microphone.getTracks()) track.stop();
    void this.context?.close().catch(() => undefined);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
    this.update({ state: 'ended', endReason: reason, micLevel: 0, agentLevel: 0 });
  }

  private update(change: Partial<PhoneSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener(this.snapshot);
  }
}
