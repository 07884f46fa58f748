import { E164 } from '../../shared/patterns';
import { voiceCodeDurationMs } from '../audio/voice-code';
import { decideUpdate, type UpdateOutcome } from './call-update';
import { CallWebhooks } from './call-webhooks';
import { first, newSid, sleep } from './format';
import { SimRecording } from './recording';
import { BEEP_MS, VOICEMAIL_GREETING } from './speech';
import { runStream } from './stream-run';
import { parseTwiml, type StreamNoun } from './twiml';
import { fallbackSource, fetchTwiml, initialSource, type TwilioError, type TwimlSource } from './twiml-source';
import type { CallBehaviour, CallStatus, FormParams, SimCall, StreamEndReason, TwimlDocument } from './types';
import { executeVerb } from './verbs';

export interface CallContext {
  accountSid: string;
  authToken: string;
  apiUrl: string;
  /** Aborted when the simulator closes: every outstanding webhook and stream is dropped. */
  shutdown: AbortSignal;
  /** How many times faster than real time audio plays (the callee, the voicemail greeting and beep, pauses). */
  timeScale: number;
}

type TerminalStatus = Extract<CallStatus, 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled'>;

const DEFAULT_RING_MS = 100;

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
    this.source = initialSource(params);

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
    const over = this.isOver || this.hangUpStatus !== undefined;
    const { outcome, result, source } = decideUpdate(params, { over, answered: this.call.answeredAt !== undefined });
    this.call.updates.push({ at: Date.now(), params, outcome, responseStatus: result.status });
    this.log('rest-update', { params, outcome, status: result.status });
    if (outcome === 'cancel') this.hangUp('canceled');
    if (outcome === 'hangup') this.hangUp('completed');
    if (outcome === 'queued-redirect') this.source = source;
    if (outcome === 'redirect') {
      this.pendingRedirect = source;
      this.documentAbort?.abort();
    }
    return result;
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
      const fetched = await fetchTwiml(this.call, source, this.context.authToken, AbortSignal.any([signal, this.context.shutdown]));
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
      const outcome = await executeVerb(verb, base, signal, this);
      if (outcome === 'next') continue;
      if (outcome === 'callee-gone') this.calleeGone = true;
      return typeof outcome === 'string' ? undefined : outcome;
    }
    return undefined;
  }

  private onDocumentError(document: TwimlDocument, source: TwimlSource, error: TwilioError): TwimlSource | undefined {
    document.error = error;
    this.log('twiml-error', error);
    const fallback = fallbackSource(this.call, source);
    if (!fallback) this.log('say', 'We are sorry, an application error has occurred. Goodbye.');
    return fallback;
  }

  /** A `<Connect><Stream>` of this call (the verbs' host calls it). */
  runStream(stream: StreamNoun, signal: AbortSignal): Promise<StreamEndReason> {
    return runStream(stream, signal, {
      call: this.call,
      behaviour: this.behaviour,
      authToken: this.context.authToken,
      shutdown: this.context.shutdown,
      timeScale: this.timeScale,
      webhooks: this.webhooks,
      recording: this.recording(),
      log: (event, detail) => this.log(event, detail),
      onStarted: () => this.settle.streaming(true),
    });
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
  play(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms / this.timeScale, signal);
  }

  private get timeScale(): number {
    return this.behaviour.timeScale ?? this.context.timeScale;
  }

  private setStatus(status: CallStatus): void {
    this.call.status = status;
    this.log('status', status);
  }

  log(event: string, detail?: unknown): void {
    this.call.log.push({ at: Date.now(), event, detail });
  }
}

function isE164(number: string): boolean {
  return E164.test(number);
}
