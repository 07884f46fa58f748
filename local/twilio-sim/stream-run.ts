import { audioTimelines } from '../fake-common/audio-timeline';
import { SimulatedCallee } from './callee';
import type { CallWebhooks } from './call-webhooks';
import { newSid } from './format';
import type { SimRecording } from './recording';
import type { StreamNoun } from './twiml';
import type { CallBehaviour, SimCall, StreamEndReason, StreamStats } from './types';
import { twilioSignature } from './webhooks';

export interface StreamRunContext {
  readonly call: SimCall;
  readonly behaviour: CallBehaviour;
  readonly authToken: string;
  /** Aborted when the simulator closes. */
  readonly shutdown: AbortSignal;
  readonly timeScale: number;
  readonly webhooks: CallWebhooks;
  readonly recording: SimRecording | undefined;
  log(event: string, detail?: unknown): void;
  /** The stream's `start` went out. */
  onStarted(): void;
}

/**
 * One `<Connect><Stream>`: the callee connects to the app's WebSocket and talks until one side
 * ends it; the stream's status callbacks go out as it starts, stops or fails. `signal` aborts
 * it from Twilio's side (a hang-up or a redirect).
 */
export async function runStream(stream: StreamNoun, signal: AbortSignal, context: StreamRunContext): Promise<StreamEndReason> {
  const { call, webhooks } = context;
  const stats = newStreamStats(stream, context.authToken);
  call.streams.push(stats);
  const streamEvent = (event: string, error?: string) => webhooks.streamEvent(stream, stats, event, error);
  if (!/^wss?:\/\//i.test(stream.url)) {
    stats.connectError = `31922 URL schema not supported: ${stream.url}`;
    stats.endReason = 'connect-failed';
    streamEvent('stream-error', stats.connectError);
    context.log('stream-error', stats.connectError);
    return 'connect-failed';
  }
  const callee = new SimulatedCallee({
    identity: { streamSid: stats.streamSid, accountSid: call.accountSid, callSid: call.sid },
    persona: context.behaviour.kind === 'machine' ? 'machine' : 'human',
    greetingPlayed: call.voicemail !== undefined,
    script: context.behaviour.callee ?? { utterances: [] },
    stats,
    timeScale: context.timeScale,
    recording: context.recording,
    log: context.log,
    onStarted: () => {
      streamEvent('stream-started');
      context.onStarted();
    },
  });
  const stop = () => callee.stop();
  signal.addEventListener('abort', stop, { once: true });
  context.shutdown.addEventListener('abort', stop, { once: true });
  const reason = await callee.run();
  signal.removeEventListener('abort', stop);
  context.shutdown.removeEventListener('abort', stop);
  if (reason === 'connect-failed') streamEvent('stream-error', stats.connectError);
  else streamEvent('stream-stopped');
  return reason;
}

function newStreamStats(stream: StreamNoun, authToken: string): StreamStats {
  return {
    url: stream.url,
    name: stream.name,
    streamSid: newSid('MZ'),
    signature: twilioSignature(authToken, stream.url, {}),
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
}
