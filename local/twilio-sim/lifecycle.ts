import { E164 } from '../../shared/patterns';
import { audioTimelines } from '../fake-common/audio-timeline';
import { voiceCodeDurationMs } from '../audio/voice-code';
import { SimulatedCallee } from './callee';
import { SimRecording } from './recording';
import { BEEP_MS, VOICEMAIL_GREETING } from './speech';
import { callParams, CallWebhooks } from './call-webhooks';
import { first, newSid, sleep } from './format';
import { parseTwiml, type StreamNoun } from './twiml';
import type {
  CallBehaviour,
  CallStatus,
  FormParams,
  RestUpdate,
  SimCall,
  StreamEndReason,
  StreamStats,
  TwimlDocument,
  TwimlSourceKind,
  WebhookDelivery,
} from './types';
import { sendWebhook, twilioSignature } from './webhooks';

export interface CallContext {
  accountSid: string;
  authToken: string;
  apiUrl: string;
  /** Aborted when the simulator closes: every outstanding webhook and stream is dropped. */
  shutdown: AbortSignal;
  /** How many times faster than real time audio plays (the callee, the voicemail greeting and beep, pauses). */
  timeScale: number;
}

type TwimlSource =
  | { kind: TwimlSourceKind; url: string; method: string; extraParams?: Record<string, string> }
  | { kind: TwimlSourceKind; xml: string };

type TerminalStatus = Extract<CallStatus, 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled'>;

export interface UpdateOutcome {
  status: number;
  error?: { code: number; message: string };
}

const DEFAULT_RING_MS = 100;
/** How long a `<Dial>`ed party stays on the line before the simulator moves on. */
const DIAL_HOLD_MS = 500;

const SIP_CODES: Partial<Record<TerminalStatus, number>> = { completed: 200, busy: 486, 'no-answer': 487 };

/** One outbound call, from `queued` to a terminal status, played out as Twilio would. */
export class CallRun {
  readonly call: SimCall;
  readonly answered: Promise<SimCall>;
  readonly streaming: Promise<SimCall>;
  /** Resolves once the call has ended and every webhook it caused has been delivered. */
  readonly ended: Promise<SimCall>;

  private readonly callAbort = new AbortController();
  private documentAbort?: AbortController;
  private source?: TwimlSource;
  private pendingRedirect?: TwimlSource;
  private hangUpStatus?: 'completed' | 'canceled';
  private calleeGone = false;
  private readonly webhooks: CallWebhooks;
  private timeLimit?: NodeJS.Timeout;
  private readonly settle: { answered(ok: boolean): void; streaming(ok: boolean): void };
  private started = false;
  private readonly finishRun: () => void;

  constructor(
    params: FormParams,
    private readonly behaviour: CallBehaviour,
    private readonly context: CallContext,
  ) {
    const now = Date.now();
    this.call = {
      sid: newSid('CA'),
      accountSid: context.accountSid,
      to: first(params.To) ?? '',
      from: first(params.From) ?? '',
      status: 'queued',
      params,
      behaviour,
      createdAt: now,
      twiml: [],
      statusCallbacks: [],
      otherCallbacks: [],
      updates: [],
      streams: [],
      dialed: [],
      log: [{ at: now, event: 'created', detail: { to: first(params.To), behaviour: behaviour.kind } }],
    };
    this.webhooks = new CallWebhooks(this.call, behaviour, context.authToken, context.shutdown, (event, detail) =>
      this.log(event, detail),
    );
    const url = first(params.Url);
    const twiml = first(params.Twiml);
    if (url) this.source = { kind: 'url', url, method: first(params.Method) ?? 'POST' };
    else if (twiml) this.source = { kind: 'inline', xml: twiml };

    const milestone = (name: string) => {
      let settle!: (ok: boolean) => void;
      const promise = new Promise<SimCall>((resolve, reject) => {
        settle = (ok) => (ok ? resolve(this.call) : reject(new Error(`call ${this.call.sid} ended (${this.call.status}) before ${name}`)));
      });
      promise.catch(() => undefined);
      return { promise, settle };
    };
    const answered = milestone('being answered');
    const streaming = milestone('a stream started');
    this.answered = answered.promise;
    this.streaming = streaming.promise;
    this.settle = { answered: answered.settle, streaming: streaming.settle };
    let finish!: () => void;
    this.ended = new Promise<void>((resolve) => (finish = resolve)).then(() => this.call);
    this.finishRun = finish;
  }

  /** Starts the call's progress; the REST layer calls it once the 201 has been sent, as Twilio queues the call. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run()
      .catch((error: unknown) => {
        this.log('internal-error', String(error));
        this.end('failed');
      })
      .then(async () => {
        await this.webhooks.idle();
        this.settle.answered(false);
        this.settle.streaming(false);
        this.finishRun();
      });
  }

  get isOver(): boolean {
    return this.call.endedAt !== undefined;
  }

  /** A REST `POST /Calls/{Sid}.json` on this call. */
  update(params: Record<string, string>): UpdateOutcome {
    const record = (outcome: RestUpdate['outcome'], result: UpdateOutcome) => {
      this.call.updates.push({ at: Date.now(), params, outcome, responseStatus: result.status });
      this.log('rest-update', { params, outcome, status: result.status });
      return result;
    };
    const { Status: status, Twiml: twiml, Url: url } = params;
    if (status !== undefined && status !== 'completed' && status !== 'canceled') {
      return record('rejected', { status: 400, error: { code: 20001, message: `Invalid Status: ${status}` } });
    }
    if (this.isOver || this.hangUpStatus) {
      if (status) return record('ignored', { status: 200 });
      return record('rejected', { status: 400, error: { code: 21220, message: 'Call is not in-progress. Cannot redirect.' } });
    }
    const answered = this.call.answeredAt !== undefined;
    if (status === 'canceled') {
      if (answered) return record('ignored', { status: 200 });
      this.hangUp('canceled');
      return record('cancel', { status: 200 });
    }
    if (status === 'completed') {
      this.hangUp('completed');
      return record('hangup', { status: 200 });
    }
    const source: TwimlSource | undefined = twiml
      ? { kind: 'update-twiml', xml: twiml }
      : url
        ? { kind: 'update-url', url, method: params.Method ?? 'POST' }
        : undefined;
    if (!source) return record('ignored', { status: 200 });
    if (!answered) {
      this.source = source;
      return record('queued-redirect', { status: 200 });
    }
    this.pendingRedirect = source;
    this.documentAbort?.abort();
    return record('redirect', { status: 200 });
  }

  /** Ends the call from Twilio's side (REST hang-up, time limit, simulator shutdown). */
  hangUp(status: 'completed' | 'canceled'): void {
    if (this.isOver || this.hangUpStatus) return;
    this.hangUpStatus = status;
    this.callAbort.abort();
    this.documentAbort?.abort();
  }

  private async run(): Promise<void> {
    const ringMs = this.behaviour.ringMs ?? DEFAULT_RING_MS;
    const signal = this.callAbort.signal;
    this.setStatus('initiated');
    this.webhooks.statusChanged('initiated');
    await sleep(ringMs, signal);
    if (this.hangUpStatus) return this.end(this.hangUpStatus);
    if (this.behaviour.kind === 'busy') return this.end('busy');
    if (this.behaviour.kind === 'failed') return this.end('failed', isE164(this.call.to) ? 500 : 404);

    this.setStatus('ringing');
    this.webhooks.statusChanged('ringing');
    await sleep(ringMs, signal);
    if (this.hangUpStatus) return this.end(this.hangUpStatus);
    if (this.behaviour.kind === 'no-answer') return this.end('no-answer');

    this.answer();
    await this.detectMessageEnd(signal);
    await this.runDocuments();
    this.end('completed');
  }

  private answer(): void {
    const now = Date.now();
    const { params } = this.call;
    this.call.answeredAt = now;
    const detection = first(params.MachineDetection);
    if (detection === 'Enable' || detection === 'DetectMessageEnd') {
      const machine = detection === 'Enable' ? 'machine_start' : 'machine_end_beep';
      const answeredBy = this.behaviour.answeredBy ?? (this.behaviour.kind === 'machine' ? machine : 'human');
      if (first(params.AsyncAmd) === 'true') this.webhooks.asyncAmd(answeredBy);
      else this.call.answeredBy = answeredBy;
    }
    this.setStatus('in-progress');
    this.webhooks.statusChanged('in-progress');
    this.settle.answered(true);
    const limitSeconds = Number(first(params.TimeLimit) ?? '14400');
    if (Number.isFinite(limitSeconds) && limitSeconds > 0) {
      this.timeLimit = setTimeout(() => {
        this.log('time-limit', limitSeconds);
        this.hangUp('completed');
      }, limitSeconds * 1000);
    }
  }

  /**
   * Synchronous AMD with `DetectMessageEnd` on a machine: Twilio listens to the whole greeting
   * and the beep before it fetches the TwiML, so whatever the app answers lands after the beep.
   */
  private async detectMessageEnd(signal: AbortSignal): Promise<void> {
    const { params } = this.call;
    const synchronous = first(params.MachineDetection) === 'DetectMessageEnd' && first(params.AsyncAmd) !== 'true';
    if (!synchronous || this.behaviour.kind !== 'machine') return;
    this.log('machine-greeting', VOICEMAIL_GREETING);
    await this.play(voiceCodeDurationMs(VOICEMAIL_GREETING), signal);
    const greetingEndedAt = Date.now();
    await this.play(BEEP_MS, signal);
    this.log('machine-beep');
    this.call.voicemail = { greetingEndedAt, beepAt: Date.now(), recorded: [] };
  }

  private async runDocuments(): Promise<void> {
    let source = this.source;
    while (source && !this.hangUpStatus && !this.calleeGone) {
      const documentAbort = new AbortController();
      this.documentAbort = documentAbort;
      const next = await this.executeDocument(source, documentAbort.signal);
      source = this.pendingRedirect ?? (documentAbort.signal.aborted ? undefined : next);
      this.pendingRedirect = undefined;
    }
  }

  /** Fetches (if needed), parses and carries out one TwiML document; returns where to go next, if anywhere. */
  private async executeDocument(source: TwimlSource, signal: AbortSignal): Promise<TwimlSource | undefined> {
    const document: TwimlDocument = { source: source.kind, verbs: [], executed: [] };
    this.call.twiml.push(document);
    let xml: string;
    if ('xml' in source) {
      xml = source.xml;
    } else {
      document.url = source.url;
      const fetched = await this.fetchTwiml(source, signal);
      document.fetch = fetched.delivery;
      if (signal.aborted) return undefined;
      if (fetched.error) return this.onDocumentError(document, source, fetched.error);
      xml = fetched.xml ?? '';
    }
    document.xml = xml;
    const parsed = parseTwiml(xml);
    if (!parsed.ok) return this.onDocumentError(document, source, { code: 12100, message: `Document parse failure: ${parsed.error}` });
    document.verbs = parsed.verbs;
    this.log('twiml', { source: source.kind, verbs: parsed.verbs.map((verb) => verb.verb) });
    const base = 'url' in source ? source.url : undefined;

    for (const verb of parsed.verbs) {
      if (signal.aborted || this.hangUpStatus) return undefined;
      document.executed.push(verb);
      switch (verb.verb) {
        case 'Connect': {
          if (!verb.stream) {
            this.log('twiml-unsupported', { verb: 'Connect', nouns: verb.nouns });
            break;
          }
          const reason = await this.runStream(verb.stream, signal);
          if (reason === 'callee-hangup' || reason === 'max-call-time') {
            this.calleeGone = true;
            return undefined;
          }
          if (reason === 'twilio-stopped') return undefined;
          if (verb.action) {
            const url = resolveUrl(verb.action, base);
            if (url) return { kind: 'connect-action', url, method: verb.method ?? 'POST' };
          }
          break;
        }
        case 'Say':
          this.log('say', verb.text);
          this.call.voicemail?.recorded.push(verb.text);
          break;
        case 'Play':
          this.log('play', verb.url);
          this.call.voicemail?.recorded.push(verb.url);
          break;
        case 'Pause':
          await this.play(verb.lengthSeconds * 1000, signal);
          break;
        case 'Hangup':
        case 'Reject':
          this.log('twiml-hangup', verb.verb);
          return undefined;
        case 'Dial': {
          this.call.dialed.push(verb.target);
          this.log('dial', verb.target);
          const dialStartedAt = Date.now();
          await this.play(DIAL_HOLD_MS, signal);
          const action = verb.attributes.action && resolveUrl(verb.attributes.action, base);
          if (action && !signal.aborted) {
            const DialCallDuration = String(Math.max(1, Math.round((Date.now() - dialStartedAt) / 1000)));
            const extraParams = { DialCallStatus: 'completed', DialCallSid: newSid('CA'), DialCallDuration };
            return { kind: 'redirect', url: action, method: verb.attributes.method ?? 'POST', extraParams };
          }
          break;
        }
        case 'Redirect': {
          const url = resolveUrl(verb.url, base);
          if (url) return { kind: 'redirect', url, method: verb.method };
          this.log('twiml-error', `cannot resolve Redirect ${verb.url}`);
          return undefined;
        }
        case 'Unsupported':
          this.log('twiml-unsupported', { verb: verb.name });
          break;
      }
    }
    return undefined;
  }

  private onDocumentError(
    document: TwimlDocument,
    source: TwimlSource,
    error: { code: number; message: string },
  ): TwimlSource | undefined {
    document.error = error;
    this.log('twiml-error', error);
    const fallback = first(this.call.params.FallbackUrl);
    if (source.kind === 'url' && fallback) {
      return { kind: 'fallback', url: fallback, method: first(this.call.params.FallbackMethod) ?? 'POST' };
    }
    this.log('say', 'We are sorry, an application error has occurred. Goodbye.');
    return undefined;
  }

  private async fetchTwiml(
    source: Extract<TwimlSource, { url: string }>,
    signal: AbortSignal,
  ): Promise<{ delivery?: WebhookDelivery; xml?: string; error?: { code: number; message: string } }> {
    const params = { ...callParams(this.call, 'in-progress'), ...(source.extraParams ?? {}) };
    if (this.call.answeredBy) params.AnsweredBy = this.call.answeredBy;
    const attempts = await sendWebhook({
      url: source.url,
      method: source.method,
      params,
      authToken: this.context.authToken,
      signal: AbortSignal.any([signal, this.context.shutdown]),
    });
    const delivery = attempts.at(-1);
    if (!delivery) return { error: { code: 11200, message: 'HTTP retrieval failure' } };
    if (delivery.error) return { delivery, error: { code: 11205, message: `HTTP connection failure: ${delivery.error}` } };
    const status = delivery.responseStatus ?? 0;
    if (status < 200 || status >= 300) return { delivery, error: { code: 11200, message: `HTTP retrieval failure: ${status}` } };
    const contentType = delivery.responseContentType ?? '';
    if (!/xml|html/i.test(contentType)) {
      return { delivery, error: { code: 12300, message: `Invalid Content-Type: ${contentType || 'none'}` } };
    }
    return { delivery, xml: delivery.responseBody ?? '' };
  }

  private async runStream(stream: StreamNoun, signal: AbortSignal): Promise<StreamEndReason> {
    const stats: StreamStats = {
      url: stream.url,
      name: stream.name,
      streamSid: newSid('MZ'),
      signature: twilioSignature(this.context.authToken, stream.url, {}),
      customParameters: stream.parameters,
      framesSent: 0,
      bytesSent: 0,
      framesReceived: 0,
      bytesReceived: 0,
      marksReceived: 0,
      marksEchoed: [],
      clearsReceived: 0,
      pingsReceived: 0,
      dtmfSent: [],
      dtmfHeard: [],
      heard: [],
      said: [],
      protocolErrors: [],
      timeline: audioTimelines(),
    };
    this.call.streams.push(stats);
    const streamEvent = (event: string, error?: string) => this.webhooks.streamEvent(stream, stats, event, error);
    if (!/^wss?:\/\//i.test(stream.url)) {
      stats.connectError = `31922 URL schema not supported: ${stream.url}`;
      stats.endReason = 'connect-failed';
      streamEvent('stream-error', stats.connectError);
      this.log('stream-error', stats.connectError);
      return 'connect-failed';
    }
    const callee = new SimulatedCallee({
      identity: { streamSid: stats.streamSid, accountSid: this.call.accountSid, callSid: this.call.sid },
      persona: this.behaviour.kind === 'machine' ? 'machine' : 'human',
      greetingPlayed: this.call.voicemail !== undefined,
      script: this.behaviour.callee ?? { utterances: [] },
      stats,
      timeScale: this.timeScale,
      recording: this.recording(),
      log: (event, detail) => this.log(event, detail),
      onStarted: () => {
        streamEvent('stream-started');
        this.settle.streaming(true);
      },
    });
    const stop = () => callee.stop();
    signal.addEventListener('abort', stop, { once: true });
    this.context.shutdown.addEventListener('abort', stop, { once: true });
    const reason = await callee.run();
    signal.removeEventListener('abort', stop);
    this.context.shutdown.removeEventListener('abort', stop);
    if (reason === 'connect-failed') streamEvent('stream-error', stats.connectError);
    else streamEvent('stream-stopped');
    return reason;
  }

  private end(status: TerminalStatus, sipResponseCode = SIP_CODES[status] ?? 500): void {
    if (this.isOver) return;
    if (this.timeLimit) clearTimeout(this.timeLimit);
    const now = Date.now();
    const { answeredAt } = this.call;
    this.call.endedAt = now;
    this.call.duration = answeredAt === undefined ? 0 : Math.max(1, Math.ceil((now - answeredAt) / 1000));
    this.call.sipResponseCode = status === 'canceled' ? 487 : sipResponseCode;
    this.setStatus(status);
    const duration = this.call.duration;
    const extra: Record<string, string> = {
      CallDuration: String(duration),
      Duration: String(Math.ceil(duration / 60)),
      SipResponseCode: String(this.call.sipResponseCode),
    };
    const recording = this.recording();
    if (recording) {
      Object.assign(extra, {
        RecordingUrl: recording.url,
        RecordingSid: recording.sid,
        RecordingDuration: String(recording.durationSeconds),
      });
      this.webhooks.recordingCompleted(recording, recording.durationSeconds);
    }
    this.webhooks.statusChanged(status, extra);
  }

  /** The call's recording (`Record=true`), started when the call is answered. */
  private recording(): SimRecording | undefined {
    if (first(this.call.params.Record) !== 'true' || this.call.answeredAt === undefined) return undefined;
    const channels = first(this.call.params.RecordingChannels) === 'dual' ? 2 : 1;
    return (this.call.recording ??= new SimRecording(this.context.apiUrl, this.call.accountSid, channels));
  }

  /** Waits while `ms` of the call's audio plays. */
  private play(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms / this.timeScale, signal);
  }

  private get timeScale(): number {
    return this.behaviour.timeScale ?? this.context.timeScale;
  }

  private setStatus(status: CallStatus): void {
    this.call.status = status;
    this.log('status', status);
  }

  private log(event: string, detail?: unknown): void {
    this.call.log.push({ at: Date.now(), event, detail });
  }
}

function isE164(number: string): boolean {
  return E164.test(number);
}

/** Absolute URLs are kept verbatim: the app validates signatures against the URL exactly as it wrote it. */
function resolveUrl(url: string, base: string | undefined): string | undefined {
  if (/^https?:\/\//i.test(url)) return url;
  try {
    return new URL(url, base).toString();
  } catch {
    return undefined;
  }
}
