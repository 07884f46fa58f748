import WebSocket from 'ws';
import { CalleeVoice } from './callee-voice';
import { DtmfDetector } from './dtmf-detector';
import { Ear, type HeardUtterance } from './ear';
import { PlaybackQueue } from './playback';
import { beepAudio, FRAME_MS, isAudible, speechAudio, VOICEMAIL_GREETING } from './speech';
import { TwilioStreamMessages, type StreamIdentity } from './stream-builder';
import { parseAppMessage, PROTOCOL_ERROR } from './stream-messages';
import type { CalleeScript, StreamEndReason, StreamStats } from './types';

/** The callee answers once the agent has been quiet this long. */
const REPLY_AFTER_QUIET_MS = 600;
/** Frames sent at once to catch up after the event loop stalled; beyond that the clock skips. */
const MAX_CATCH_UP_FRAMES = 10;
const CLOSE_GRACE_MS = 2_000;
const MULAW_BYTES_PER_MS = 8;

export interface CalleeOptions {
  identity: StreamIdentity;
  persona: 'human' | 'machine';
  /** The machine's greeting and beep already played (during synchronous AMD): it just records. */
  greetingPlayed?: boolean;
  script: CalleeScript;
  /** Filled in as the stream runs; `url`, `signature` and `customParameters` are read from it. */
  stats: StreamStats;
  log(event: string, detail?: unknown): void;
  onStarted?(): void;
  /** The call's recording, if it is recorded: gets both sides of every frame. */
  recording?: { addFrame(callee: Uint8Array, app: Uint8Array | undefined): void };
  /** How many times faster than real time the callee talks and listens. @default 1 */
  timeScale?: number;
}

/**
 * The far end of the call, reached through a Media Stream: a WebSocket client that behaves like Twilio
 * (paced 20 ms μ-law frames, mark echoes, clear) with a person or a voicemail box behind it.
 *
 * The callee lives on its own clock, which advances 20 ms with every frame: everything it decides
 * (when to answer, barge in, hang up) is timed by the audio, not by the wall. With a `timeScale`
 * above 1 the frames go out that many times faster than real time.
 */
export class SimulatedCallee {
  private readonly stats: StreamStats;
  private readonly messages: TwilioStreamMessages;
  private readonly playback = new PlaybackQueue();
  private readonly ear: Ear;
  private readonly keypadEar: DtmfDetector;
  private socket?: WebSocket;
  private clock?: NodeJS.Timeout;
  private readonly frameWallMs: number;
  /** Wall time at which tick 0 was due; moved forward when the event loop stalled. */
  private wallStart = 0;
  /** The callee's clock at tick 0. */
  private clockStart = 0;
  private ticks = 0;
  /** What the callee says; it starts talking once the stream has started. */
  private voice?: CalleeVoice;
  private lastAudibleReceivedAt = 0;
  private ending?: StreamEndReason;
  private finished = false;
  private resolveRun!: (reason: StreamEndReason) => void;
  private readonly ended = new Promise<StreamEndReason>((resolve) => (this.resolveRun = resolve));

  constructor(private readonly options: CalleeOptions) {
    this.stats = options.stats;
    this.frameWallMs = FRAME_MS / (options.timeScale ?? 1);
    this.messages = new TwilioStreamMessages(options.identity);
    this.ear = new Ear((utterance) => this.onAgentUtterance(utterance));
    this.keypadEar = new DtmfDetector((digit) => {
      this.stats.dtmfHeard.push(digit);
      this.options.log('callee-heard-dtmf', digit);
    });
  }

  /** Connects and plays the callee's part; resolves when the stream is over. Never rejects. */
  run(): Promise<StreamEndReason> {
    const { url, signature } = this.stats;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, {
        headers: { 'X-Twilio-Signature': signature, 'User-Agent': 'Twilio.TmeWs/1.0' },
        handshakeTimeout: 10_000,
      });
    } catch (error) {
      this.stats.connectError = error instanceof Error ? error.message : String(error);
      this.finish('connect-failed');
      return this.ended;
    }
    this.socket = socket;
    socket.on('unexpected-response', (request, response) => {
      this.stats.connectError = `HTTP ${response.statusCode}`;
      request.destroy();
      this.finish('connect-failed');
    });
    socket.on('open', () => this.onOpen());
    socket.on('ping', () => this.stats.pingsReceived++);
    socket.on('message', (data, isBinary) => this.onMessage(toBuffer(data), isBinary));
    socket.on('error', (error) => {
      if (this.finished) return;
      const code = (error as NodeJS.ErrnoException).code;
      if (this.stats.connectedAt === undefined) {
        this.stats.connectError ??= code ?? error.message;
        this.finish('connect-failed');
      } else {
        this.options.log('stream-socket-error', code ?? error.message);
      }
    });
    socket.on('close', (code, reason) => {
      this.stats.closeCode = code;
      this.stats.closeReason = reason.toString();
      this.finish(this.ending ?? (this.stats.connectedAt === undefined ? 'connect-failed' : 'server-closed'));
    });
    return this.ended;
  }

  /** Twilio ends the stream (REST update, hang-up, time limit): `stop`, then close. */
  stop(): void {
    this.hangUp('twilio-stopped');
  }

  private onOpen(): void {
    const now = Date.now();
    this.stats.connectedAt = now;
    this.send(this.messages.connected());
    this.send(this.messages.start(this.stats.customParameters));
    this.stats.startedAt = now;
    this.options.log('stream-started', { streamSid: this.stats.streamSid });
    this.options.onStarted?.();
    this.voice = new CalleeVoice(this.options.script, this.options.persona, now, (text) => {
      this.stats.said.push(text);
      this.options.log('callee-said', text);
    });
    if (this.options.persona === 'machine' && !this.options.greetingPlayed) {
      this.voice.queueSpeech(VOICEMAIL_GREETING, speechAudio(VOICEMAIL_GREETING));
      this.voice.queueSpeech('[beep]', beepAudio());
    }
    this.clockStart = now;
    this.wallStart = now;
    this.onClock();
  }

  /** The callee's clock: the time of the current frame. */
  private now(): number {
    return this.clockStart + this.ticks * FRAME_MS;
  }

  private readonly onClock = (): void => {
    this.clock = undefined;
    const due = () => this.wallStart + this.ticks * this.frameWallMs;
    for (let sent = 0; Date.now() >= due() && this.isLive(); sent++) {
      if (sent >= MAX_CATCH_UP_FRAMES) {
        this.wallStart = Date.now() - this.ticks * this.frameWallMs;
        break;
      }
      this.step(this.now());
      this.ticks += 1;
    }
    if (this.isLive()) this.clock = setTimeout(this.onClock, Math.max(0, due() - Date.now()));
  };

  private step(now: number): void {
    const voice = this.voice!;
    const played = this.playback.playFrame();
    for (const name of played.marks) this.echoMark(name);
    this.ear.hear(played.audio, now);
    this.keypadEar.hear(played.audio);
    const quiet =
      !this.playback.hasAudibleAudio &&
      now - Math.max(this.ear.lastAudibleAt, this.lastAudibleReceivedAt) >= REPLY_AFTER_QUIET_MS &&
      this.ear.talkingSince === undefined;
    const hangUp = voice.decide(now, { quiet, talkingSince: this.ear.talkingSince });
    if (hangUp) return this.hangUp(hangUp);
    for (const digit of voice.dueDigits(now)) {
      this.send(this.messages.dtmf(digit));
      this.stats.dtmfSent.push(digit);
    }
    const frame = voice.nextFrame(now);
    this.options.recording?.addFrame(frame, played.audio);
    this.send(this.messages.media(Buffer.from(frame).toString('base64'), this.ticks * FRAME_MS));
    this.stats.framesSent += 1;
    this.stats.bytesSent += frame.length;
    this.stats.timeline.sent.add(frame.length / MULAW_BYTES_PER_MS, frame);
  }

  private onAgentUtterance(utterance: HeardUtterance): void {
    this.voice?.heardAgentTurn(utterance.startedAt);
    this.stats.heard.push(utterance.text);
    this.options.log('callee-heard', utterance);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.ending) return;
    const at = Date.now();
    const parsed = parseAppMessage(data, isBinary, this.stats.streamSid);
    if (!parsed.ok) {
      this.stats.protocolErrors.push({ at, code: parsed.code, message: parsed.error, raw: preview(data, isBinary) });
      return;
    }
    if (parsed.warning) {
      this.stats.protocolErrors.push({
        at,
        code: PROTOCOL_ERROR.invalid,
        message: parsed.warning,
        raw: preview(data, isBinary),
      });
    }
    const message = parsed.message;
    switch (message.event) {
      case 'media': {
        const bytes = Buffer.from(message.media.payload, 'base64');
        this.stats.framesReceived += 1;
        this.stats.bytesReceived += bytes.length;
        this.stats.timeline.received.add(bytes.length / MULAW_BYTES_PER_MS, bytes);
        this.stats.firstMediaReceivedAt ??= at;
        if (isAudible(bytes)) this.lastAudibleReceivedAt = this.now();
        this.playback.enqueueAudio(bytes);
        return;
      }
      case 'mark':
        this.stats.marksReceived += 1;
        this.playback.enqueueMark(message.mark.name);
        return;
      case 'clear':
        this.stats.clearsReceived += 1;
        for (const name of this.playback.clear()) this.echoMark(name);
        this.ear.interrupt(this.now());
        return;
    }
  }

  private echoMark(name: string): void {
    this.send(this.messages.mark(name));
    this.stats.marksEchoed.push(name);
  }

  private hangUp(reason: StreamEndReason): void {
    if (this.ending || this.finished) return;
    this.ending = reason;
    this.options.log('stream-stopping', reason);
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      socket?.terminate();
      this.finish(reason);
      return;
    }
    this.send(this.messages.stop());
    socket.close(1000);
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private finish(reason: StreamEndReason): void {
    if (this.finished) return;
    this.finished = true;
    if (this.clock) clearTimeout(this.clock);
    this.ear.flush(this.now());
    this.stats.endedAt = Date.now();
    this.stats.endReason = reason;
    this.options.log('stream-ended', { reason, closeCode: this.stats.closeCode, connectError: this.stats.connectError });
    this.resolveRun(reason);
  }

  private isLive(): boolean {
    return !this.ending && !this.finished && this.socket?.readyState === WebSocket.OPEN;
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function preview(data: Buffer, isBinary: boolean): string {
  return isBinary ? `<${data.length} binary bytes>` : data.toString().slice(0, 200);
}
