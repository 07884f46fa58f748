import { Duration } from 'aws-cdk-lib';
import type { FunctionName } from '../../../functions/routes';
import type { SecretName } from '../../settings';

/** What one function may touch; the single place least privilege is decided. Its code is `functions/<name>.ts`. */
export interface FunctionSpec {
  readonly description: string;
  /** Secrets the handler reads (API_KEY is dropped when the API uses IAM auth). */
  readonly secrets: readonly SecretName[];
  /** Access to the call table. */
  readonly table: 'none' | 'read' | 'readWrite';
  /** Whether it puts `Call Completed` events on the bus. */
  readonly putsEvents: boolean;
  /** Access to the recordings bucket (objects under recordings/ only). */
  readonly recordings?: 'write' | 'read';
  /** Whether it creates and deletes call schedules (EventBridge Scheduler). */
  readonly schedules?: boolean;
  /**
   * The delivery queue: `enqueue` for the functions that complete calls (the completer queues
   * their webhook and task-token deliveries), `consume` for the deliver function.
   */
  readonly deliveries?: 'enqueue' | 'consume';
  readonly timeout: Duration;
  readonly memorySize: number;
}

export const FUNCTION_SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  initiate: {
    description: 'POST /call/initiate: validate, claim the callbackId, create the Twilio call',
    secrets: ['API_KEY', 'TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: false,
    schedules: true,
    timeout: Duration.seconds(20),
    memorySize: 512,
  },
  'cancel-call': {
    description: 'POST /calls/{callbackId}/cancel: cancel a scheduled, ringing or live call',
    secrets: ['API_KEY', 'TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    schedules: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(20),
    memorySize: 512,
  },
  'get-recording': {
    description: 'GET /calls/{callbackId}/recording: a short-lived link to the call recording',
    secrets: ['API_KEY'],
    table: 'read',
    putsEvents: false,
    recordings: 'read',
    timeout: Duration.seconds(10),
    memorySize: 512,
  },
  'recording-status': {
    description: 'POST /webhooks/recording-status: signed Twilio recording callbacks; copies the recording and announces it',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    recordings: 'write',
    // API Gateway's integration limit; the copy streams, so this covers hours of audio.
    timeout: Duration.seconds(29),
    memorySize: 1024,
  },
  twiml: {
    description: 'GET|POST /twiml/outbound: signed TwiML <Connect><Stream> with a one-time stream token',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: false,
    timeout: Duration.seconds(10),
    memorySize: 512,
  },
  'twiml-fallback': {
    description: "POST /twiml/fallback: the call's fallbackUrl, an apology in the call's language and a hang-up",
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'read',
    putsEvents: false,
    timeout: Duration.seconds(5),
    memorySize: 256,
  },
  'call-status': {
    description: 'POST /webhooks/call-status: signed Twilio status callbacks, completion claim and event',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(15),
    memorySize: 512,
  },
  'get-call': {
    description: 'GET /calls/{callbackId}: the whole call with its transcript',
    secrets: ['API_KEY'],
    table: 'read',
    putsEvents: false,
    timeout: Duration.seconds(10),
    memorySize: 512,
  },
  health: {
    description: 'GET /health',
    secrets: [],
    table: 'none',
    putsEvents: false,
    timeout: Duration.seconds(5),
    memorySize: 256,
  },
  openapi: {
    description: 'GET /openapi.json: the API contract generated from its schemas',
    secrets: [],
    table: 'none',
    putsEvents: false,
    timeout: Duration.seconds(10),
    memorySize: 256,
  },
  sweeper: {
    description: 'Every minute: completes calls whose media side died or whose final status never came',
    // asks Twilio for the status of calls whose final callback never arrived
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(55),
    memorySize: 512,
  },
  dispatch: {
    description: 'Invoked by a scheduled call\'s one-time schedule: places the call, or schedules it again for later',
    secrets: ['TWILIO_AUTH_TOKEN'],
    table: 'readWrite',
    putsEvents: true,
    schedules: true,
    deliveries: 'enqueue',
    timeout: Duration.seconds(20),
    memorySize: 512,
  },
  deliver: {
    description: 'Fed by the delivery queue: signed webhooks and Step Functions task tokens of completed calls',
    secrets: ['WEBHOOK_SIGNING_SECRET'],
    table: 'read',
    putsEvents: false,
    deliveries: 'consume',
    // a batch of DELIVERY_BATCH_SIZE attempts, each bounded by the 15 s webhook timeout
    timeout: Duration.seconds(90),
    memorySize: 512,
  },
};
