import type { AudioTimelines } from '../fake-common/audio-timeline';
import type { TwimlVerb } from './twiml';
import type { SimRecording } from './recording';

/** A REST error the simulator answers instead of doing the work, shaped like Twilio's error body. */
export interface RestFault {
  status: number;
  code: number;
  message: string;
}

/** What the simulated callee does once the Media Stream is open. */
export interface CalleeScript {
  /** Said in order, one per turn, each after the agent's previous turn has finished playing. */
  utterances: string[];
  /** Hang up as soon as this many agent turns have been heard and have finished playing. */
  hangUpAfterAgentTurns?: number;
  /** Start the next utterance while the agent is still talking (~400 ms into its turn). */
  bargeIn?: boolean;
  /** DTMF digits sent right after utterance `afterUtterance` (0-based) has been said. */
  dtmf?: Array<{ afterUtterance: number; digits: string }>;
  /** Safety net: the callee hangs up this long after the stream started. @default 60000 */
  maxCallMs?: number;
  /** If the agent has said nothing this long after the stream started, the callee speaks first ("Hello?"). */
  answerSilenceMs?: number;
  /** After the last utterance, wait for the app to end the call (hang-up, transfer) instead of hanging up. */
  stayOnLine?: boolean;
}

export type CallBehaviourKind = 'answer' | 'busy' | 'no-answer' | 'failed' | 'machine';

export interface CallBehaviour {
  kind: CallBehaviourKind;
  callee?: CalleeScript;
  /** Time spent in `initiated` and then in `ringing`. @default 100 */
  ringMs?: number;
  /** Deliver every status callback twice (same SequenceNumber and idempotency token). */
  duplicateCallbacks?: boolean;
  /** Deliver status callbacks pairwise swapped (ringing before initiated, completed before in-progress). */
  reorderCallbacks?: boolean;
  /**
   * Overrides AnsweredBy (default `human`; for kind `machine`, `machine_start` with `Enable` and
   * `machine_end_beep` with `DetectMessageEnd`).
   */
  answeredBy?: string;
  /** This call's audio runs this many times faster than real time, whatever the simulator's `timeScale`. */
  timeScale?: number;
  createError?: RestFault;
  createDelayMs?: number;
  updateError?: RestFault;
  updateDelayMs?: number;
}

export type CallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

export type FormParams = Record<string, string | string[]>;

/** One HTTP request the simulator made to the app (status callback, TwiML fetch, stream/recording callback). */
export interface WebhookDelivery {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  signature: string;
  sentAt: number;
  /** The HTTP status the app answered; absent when the request failed (refused, timeout). */
  responseStatus?: number;
  responseContentType?: string;
  responseBody?: string;
  error?: string;
  durationMs: number;
}

export interface StatusCallbackDelivery extends WebhookDelivery {
  sequenceNumber: number;
  callStatus: CallStatus;
  /** 0 for the first attempt; retries after a connection failure count up. */
  attempt: number;
  duplicate: boolean;
}

export type TwimlSourceKind = 'url' | 'inline' | 'update-url' | 'update-twiml' | 'redirect' | 'connect-action' | 'fallback';

/** One TwiML document the call executed (or failed to get). */
export interface TwimlDocument {
  source: TwimlSourceKind;
  url?: string;
  fetch?: WebhookDelivery;
  xml?: string;
  verbs: TwimlVerb[];
  /** Verbs actually carried out, in order; those after `</Connect>` appear once the stream has ended. */
  executed: TwimlVerb[];
  /** Twilio error code and text when the document could not be fetched or parsed (11200, 11205, 12100, 12300). */
  error?: { code: number; message: string };
}

export interface RestUpdate {
  at: number;
  params: Record<string, string>;
  /** What the simulator did with it. */
  outcome: 'hangup' | 'cancel' | 'redirect' | 'queued-redirect' | 'ignored' | 'rejected';
  responseStatus: number;
}

export interface StreamProtocolError {
  at: number;
  /** 31950 binary/undecodable frame, 31951 message not compliant with the protocol. */
  code: number;
  message: string;
  raw: string;
}

export type StreamEndReason =
  | 'callee-hangup'
  | 'server-closed'
  | 'twilio-stopped'
  | 'connect-failed'
  | 'max-call-time';

export interface StreamStats {
  url: string;
  name?: string;
  streamSid: string;
  /** X-Twilio-Signature sent on the upgrade request. */
  signature: string;
  customParameters: Record<string, string>;
  connectedAt?: number;
  startedAt?: number;
  firstMediaReceivedAt?: number;
  endedAt?: number;
  endReason?: StreamEndReason;
  /** HTTP status of a refused upgrade, or the socket error text. */
  connectError?: string;
  closeCode?: number;
  closeReason?: string;
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  marksReceived: number;
  marksEchoed: string[];
  clearsReceived: number;
  /** WebSocket pings from the app (answered with pongs, as Twilio does). */
  pingsReceived: number;
  dtmfSent: string[];
  /** Keypad tones the app played to the callee, as the far end's DTMF detector heard them. */
  dtmfHeard: string[];
  /** Agent utterances decoded from the audio that actually played, `[unintelligible]` / `[interrupted]` otherwise. */
  heard: string[];
  /** What the callee said, in order. */
  said: string[];
  protocolErrors: StreamProtocolError[];
  /** When each 20 ms of audio was sent and received (the benchmark's end-to-end latency). */
  timeline: AudioTimelines;
}

export interface CallLogEntry {
  at: number;
  event: string;
  detail?: unknown;
}

export interface SimCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  status: CallStatus;
  /** The form parameters of the create request. */
  params: FormParams;
  behaviour: CallBehaviour;
  answeredBy?: string;
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  /** Seconds from answer to end (at least 1 once answered), 0 otherwise. */
  duration?: number;
  sipResponseCode?: number;
  twiml: TwimlDocument[];
  statusCallbacks: StatusCallbackDelivery[];
  /** Other webhooks: async AMD, `<Stream statusCallback>`, recording status. */
  otherCallbacks: WebhookDelivery[];
  updates: RestUpdate[];
  streams: StreamStats[];
  /** Numbers reached by `<Dial>`. */
  dialed: string[];
  /**
   * The answering machine, for kind `machine` with synchronous `DetectMessageEnd`: its greeting and
   * beep play before Twilio fetches the TwiML; what the app then says (`<Say>`, `<Play>`) is recorded.
   */
  voicemail?: { greetingEndedAt: number; beepAt: number; recorded: string[] };
  /** With `Record=true`: both sides of the call's audio, served at its URL until deleted. */
  recording?: SimRecording;
  log: CallLogEntry[];
}

export interface SimMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  status: 'queued' | 'sent' | 'delivered';
  params: FormParams;
  createdAt: number;
  statusCallbacks: WebhookDelivery[];
}

/** Every REST request the simulator answered, including rejected ones. */
export interface RestRequestRecord {
  at: number;
  method: string;
  path: string;
  params: FormParams;
  status: number;
  errorCode?: number;
}

export type WaitState = 'answered' | 'streaming' | 'ended';

export interface TwilioSimulator {
  /** `http://127.0.0.1:P`: the twilio SDK's `https://api.twilio.com` is rewritten to this. */
  apiUrl: string;
  setBehaviour(to: string | '*', behaviour: CallBehaviour): void;
  calls: SimCall[];
  messages: SimMessage[];
  requests: RestRequestRecord[];
  /**
   * Resolves with the call once it exists (no state), is answered, has its stream started, or has ended
   * with all its status callbacks delivered.
   */
  waitForCall(sid: string, state?: WaitState): Promise<SimCall>;
  close(): Promise<void>;
}
