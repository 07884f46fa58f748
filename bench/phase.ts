import { loadavg } from 'node:os';
import type { AudioTimelines } from '../local/fake-common/audio-timeline';
import type { startLocalStack } from '../local/stack';
import type { BridgeProcess } from './bridges';
import { framesLost, LatencySamples, round } from './e2e';
import { benchCallee } from './scripts';

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

export interface PhaseOptions {
  calls: number;
  /** Calls placed per second. */
  rate: number;
  durationSeconds: number;
  provider: string;
  /** Calls run through the bridge before it is measured (its JIT compiles what calls run, once per process). */
  warmUpCalls: number;
}

/** How long each warm-up call lasts: a few exchanges, so every path of a call has run. */
const WARM_UP_SECONDS = 12;

type Latency = { count: number; p50: number; p99: number; max: number };

export interface PhaseResult {
  bridge: BridgeProcess['kind'];
  provider: string;
  calls: number;
  /** Most calls the bridge held at once (sampled twice a second). */
  peakActiveCalls: number;
  /** Calls that did not run to the callee's hang-up with audio reaching the model (and, for the media service, a `completed` event). */
  callsFailed: number;
  /** Failed calls by reason. */
  failures: Record<string, number>;
  framesLostIn: number;
  framesLostOut: number;
  /** Callee's send → model's receive, per 20 ms frame, once the model link is up. */
  inboundMs: Latency;
  /** Model's send → callee's receive, per 20 ms frame. */
  outboundMs: Latency;
  cpuMsPerCallSecond: number;
  /** The user-space part of it: the two bridges make the same system calls, so their difference shows here. */
  userCpuMsPerCallSecond: number;
  peakRssMb: number;
  /** RSS after the warm-up call, before the measured calls: the process's own floor. */
  idleRssMb: number;
  /** The media service's own view: time inside its handlers, and its event-loop lag. */
  engine?: { eventsEmitted: number; handlerInP99Ms: number; handlerOutP99Ms: number; firstAudioP50Ms: number; loopLagP99Ms: number };
  /** How busy the machine was: 1-minute load average at the end, and the load generator's (this process's) share of a core. */
  load: { loadAvg1: number; generatorCorePct: number };
}

/** Places `calls` simulated calls through `bridge` at a steady rate and measures them end to end. */
export async function runPhase(stack: LocalStack, bridge: BridgeProcess, o: PhaseOptions): Promise<PhaseResult> {
  const provider = bridge.kind === 'pass-through' ? 'openai' : o.provider;
  await warmUp(stack, bridge, o, provider);

  bridge.resetStats();
  const before = await bridge.stats();
  const generatorBefore = process.cpuUsage();
  const startedAt = Date.now();
  let peakRss = before.rss;
  let peakActiveCalls = 0;
  const sampler = setInterval(
    () =>
      void bridge.stats().then((s) => {
        peakRss = Math.max(peakRss, s.rss);
        peakActiveCalls = Math.max(peakActiveCalls, s.activeCalls);
      }),
    500,
  );

  const stamp = Date.now();
  const ids = Array.from({ length: o.calls }, (_, i) => ({ callbackId: `bench-${bridge.kind}-${stamp}-${i}`, to: `+1555${String(2_000_000 + i).padStart(7, '0')}` }));
  const sids = await placeCalls(stack, ids, o.rate, o.durationSeconds, provider);
  await waitForStreams(stack, sids, (o.durationSeconds + 90) * 1000);
  const mine = new Set(ids.map((id) => id.callbackId));
  const events = () => eventsOf(stack, mine);
  if (bridge.kind === 'engine') await until(() => events().length >= o.calls, 30_000);
  clearInterval(sampler);
  const after = await bridge.stats();
  const generator = process.cpuUsage(generatorBefore);
  const wallMs = Date.now() - startedAt;

  const inbound = new LatencySamples();
  const outbound = new LatencySamples();
  let lostIn = 0;
  let lostOut = 0;
  const failures: Record<string, number> = {};
  let callSeconds = 0;
  const outcomes = new Map(events().map((e) => [(e.detail as { callbackId: string }).callbackId, (e.detail as { outcome: string }).outcome]));
  // What the media service itself said went wrong, beside what the two ends saw.
  const errors = new Map(
    events().map((e) => {
      const { callbackId, error } = e.detail as { callbackId: string; error?: { code: string; message: string } | null };
      return [callbackId, error ? ` [${error.code}: ${error.message.slice(0, 80)}]` : ''];
    }),
  );
  const slack = provider === 'openai' ? 0 : 1;
  for (const [i, sid] of sids.entries()) {
    const call = stack.twilio!.calls.find((c) => c.sid === sid);
    const stream = call?.streams[0];
    const model = modelSide(stack, provider, `Benchmark call ${ids[i]!.callbackId}.`);
    const outcome = outcomes.get(ids[i]!.callbackId);
    const failure = !stream
      ? `no stream (call ${call?.status ?? 'unknown'}${twimlError(call?.twiml ?? [])})`
      : !model
        ? `no model session (stream ${stream.endReason ?? 'open'}${stream.closeCode ? ` ${stream.closeCode} ${stream.closeReason ?? ''}`.trimEnd() : ''}${stream.connectError ? `: ${stream.connectError}` : ''})`
        : model.receivedMs === 0
          ? 'no audio reached the model'
          : stream.endReason !== 'callee-hangup'
            ? `stream ended: ${stream.endReason}`
            : bridge.kind === 'engine' && outcome !== 'completed'
              ? `outcome: ${outcome ?? 'no event'}`
              : undefined;
    if (failure) {
      const why = `${failure}${errors.get(ids[i]!.callbackId) ?? ''}`;
      failures[why] = (failures[why] ?? 0) + 1;
    }
    if (!stream || !model) {
      lostIn += o.durationSeconds * 50;
      continue;
    }
    callSeconds += ((stream.endedAt ?? Date.now()) - (stream.startedAt ?? Date.now())) / 1000;
    lostIn += framesLost(stream.bytesSent / 8, model.receivedMs, slack);
    lostOut += framesLost(model.sentMs, stream.bytesReceived / 8, slack);
    inbound.pair(stream.timeline.sent, model.timeline.received, model.timeline.received.frameAt[0]);
    outbound.pair(model.timeline.sent, stream.timeline.received);
  }
  const userCpuMs = (after.cpu.user - before.cpu.user) / 1000;
  const cpuMs = userCpuMs + (after.cpu.system - before.cpu.system) / 1000;
  const e = after.engine;
  return {
    bridge: bridge.kind,
    provider,
    calls: o.calls,
    peakActiveCalls,
    callsFailed: Object.values(failures).reduce((a, b) => a + b, 0),
    failures,
    framesLostIn: lostIn,
    framesLostOut: lostOut,
    inboundMs: inbound.summary(),
    outboundMs: outbound.summary(),
    cpuMsPerCallSecond: round(cpuMs / Math.max(1, callSeconds)),
    userCpuMsPerCallSecond: round(userCpuMs / Math.max(1, callSeconds)),
    peakRssMb: round(Math.max(peakRss, after.rss) / 1024 / 1024, 1),
    idleRssMb: round(before.rss / 1024 / 1024, 1),
    ...(e && {
      engine: {
        eventsEmitted: events().length,
        handlerInP99Ms: round(e.inboundLatencyMs.p99, 3),
        handlerOutP99Ms: round(e.outboundLatencyMs.p99, 3),
        firstAudioP50Ms: round(e.firstAudioMs.p50, 0),
        loopLagP99Ms: round(e.eventLoopLagMsP99, 1),
      },
    }),
    load: { loadAvg1: round(loadavg()[0]!, 1), generatorCorePct: round(((generator.user + generator.system) / 1000 / wallMs) * 100, 0) },
  };
}

/**
 * Calls before the measured ones, placed at the measured rate, until they have ended and (for the
 * media service) been completed. A long-lived process has compiled its hot paths long before; without
 * this, V8 compiling them would be counted as the first measured calls' CPU (and the pass-through,
 * forty lines, has almost nothing to compile).
 */
async function warmUp(stack: LocalStack, bridge: BridgeProcess, o: PhaseOptions, provider: string): Promise<void> {
  const stamp = Date.now();
  const ids = Array.from({ length: Math.max(1, o.warmUpCalls) }, (_, i) => ({ callbackId: `bench-warmup-${bridge.kind}-${stamp}-${i}`, to: `+1555999${String(i).padStart(4, '0')}` }));
  const sids = await placeCalls(stack, ids, o.rate, WARM_UP_SECONDS, provider);
  await waitForStreams(stack, sids, (WARM_UP_SECONDS + 90) * 1000);
  if (bridge.kind !== 'engine') return;
  const mine = new Set(ids.map((id) => id.callbackId));
  await until(() => eventsOf(stack, mine).length >= ids.length, 30_000);
}

/** Places the calls at `rate` per second, each lasting about `durationSeconds`; resolves with their CallSids. */
function placeCalls(stack: LocalStack, calls: Array<{ callbackId: string; to: string }>, rate: number, durationSeconds: number, provider: string): Promise<string[]> {
  return Promise.all(
    calls.map(async ({ callbackId, to }, i) => {
      await new Promise((r) => setTimeout(r, (i * 1000) / rate));
      return placeCall(stack, callbackId, to, durationSeconds, provider);
    }),
  );
}

/** The completion events received so far for these calls. */
function eventsOf(stack: LocalStack, callbackIds: ReadonlySet<string>) {
  return stack.events.events.filter((e) => callbackIds.has((e.detail as { callbackId: string }).callbackId));
}

function twimlError(documents: Array<{ error?: { code: number }; fetch?: { error?: string; responseStatus?: number } }>): string {
  const failed = documents.find((d) => d.error);
  if (!failed) return '';
  return `, TwiML error ${failed.error!.code}: ${failed.fetch?.error ?? `HTTP ${failed.fetch?.responseStatus ?? '?'}`}`;
}

async function placeCall(stack: LocalStack, callbackId: string, to: string, durationSeconds: number, provider: string): Promise<string> {
  stack.twilio!.setBehaviour(to, { kind: 'answer', ringMs: 50, callee: benchCallee(durationSeconds) });
  const response = await fetch(`${stack.apiUrl}/call/initiate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({ callbackId, to, provider, instructions: `Benchmark call ${callbackId}.` }),
  });
  const body = (await response.json()) as { callSid?: string };
  if (!body.callSid) throw new Error(`initiate failed (${response.status}): ${JSON.stringify(body)}`);
  return body.callSid;
}

/** Until every call's stream has ended (or was never going to start), bounded by `timeoutMs`. */
function waitForStreams(stack: LocalStack, sids: string[], timeoutMs: number): Promise<boolean> {
  return until(() => {
    return sids.every((sid) => {
      const call = stack.twilio!.calls.find((c) => c.sid === sid);
      if (!call) return false;
      const stream = call.streams[0];
      return stream ? stream.endedAt !== undefined : call.endedAt !== undefined;
    });
  }, timeoutMs);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return true;
}

/** One call's model end: its audio timelines and how much audio it received and sent (ms). */
function modelSide(stack: LocalStack, provider: string, marker: string): { timeline: AudioTimelines; receivedMs: number; sentMs: number } | undefined {
  const pcmBytesPerMs = (rate: number) => (rate * 2) / 1000;
  const elevenLabsBytesPerMs = (format: string) => (format === 'ulaw_8000' ? 8 : pcmBytesPerMs(Number(format.replace('pcm_', ''))));
  switch (provider) {
    case 'openai': {
      const s = stack.fakes.openai?.stats.sessions.find((x) => x.instructions.includes(marker));
      return s && { timeline: s.timeline, receivedMs: s.audioBytesReceived / 8, sentMs: s.audioBytesSent / 8 };
    }
    case 'gemini': {
      const s = stack.fakes.gemini?.stats.sessions.find((x) => x.instructions.includes(marker));
      return s && { timeline: s.timeline, receivedMs: s.audioBytesReceived / pcmBytesPerMs(s.inputRates[0] ?? 16_000), sentMs: s.audioBytesSent / pcmBytesPerMs(24_000) };
    }
    case 'elevenlabs': {
      const s = stack.fakes.elevenlabs?.stats.conversations.find((x) => x.instructions.includes(marker));
      return s && { timeline: s.timeline, receivedMs: s.audioBytesReceived / elevenLabsBytesPerMs(s.inputFormat), sentMs: s.audioBytesSent / elevenLabsBytesPerMs(s.outputFormat) };
    }
    case 'amazon_nova_sonic': {
      const s = stack.fakes.amazon_nova_sonic?.stats.streams.find((x) => x.systemPrompt.includes(marker));
      return s && { timeline: s.timeline, receivedMs: s.audioBytesReceived / pcmBytesPerMs(s.inputSampleRate ?? 16_000), sentMs: s.audioBytesSent / pcmBytesPerMs(s.outputSampleRate ?? 24_000) };
    }
    default:
      return undefined;
  }
}
