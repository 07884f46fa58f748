import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

// The benchmark measures the media service, not the logging of the simulators around it.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const { startLocalStack } = await import('../local/stack');
const { exited, freePort, mediaProcessStats: mediaStats, startMediaProcess } = await import('../local/media-process');
const { benchAgentScript, benchCallee } = await import('./scripts');

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

export interface BenchResult {
  calls: number;
  durationSeconds: number;
  provider: string;
  /** Most calls the media process held at once (sampled every second). */
  peakActiveCalls: number;
  completed: number;
  eventsEmitted: number;
  framesLost: number;
  inboundLatencyMs: { p50: number; p99: number; max: number };
  outboundLatencyMs: { p50: number; p99: number; max: number };
  firstAudioMs: { p50: number; p99: number };
  eventLoopLagMsP99: number;
  cpuMsPerCallSecond: number;
  rssMbPerCall: number;
}

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    provider: { type: 'string', default: 'openai' },
    json: { type: 'string' },
    ramp: { type: 'boolean', default: false },
    'ramp-step': { type: 'string', default: '50' },
    'ramp-max': { type: 'string', default: '600' },
  },
});

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
/** How fast calls are placed; each lasts well past the ramp, so at the peak all of them are live at once. */
const SETUP_CALLS_PER_SECOND = 25;

/** Runs `calls` concurrent simulated calls of `durationSeconds` through one media-service process. */
async function runOnce(calls: number, durationSeconds: number, provider: string): Promise<BenchResult> {
  const port = await freePort();
  const stack: LocalStack = await startLocalStack({
    port: 0,
    env: {},
    externalMediaUrl: `ws://127.0.0.1:${port}`,
    fakeModel: { agent: benchAgentScript },
    fakeGemini: { agent: benchAgentScript },
    fakeElevenLabs: { agent: benchAgentScript },
    overrides: { EVENTS_FILE: `.local/bench-events-${Date.now()}.jsonl`, MAX_CALL_DURATION_SECONDS: String(durationSeconds + 120) },
  });
  const media = await startMediaProcess(stack.env, port);
  try {
    await warmUp(stack, provider);
    media.send('reset-stats');
    const baseline = await mediaStats(media);
    const ids = Array.from({ length: calls }, (_, i) => ({ callbackId: `bench-${Date.now()}-${i}`, to: `+1555${String(2_000_000 + i).padStart(7, '0')}` }));
    for (const { to } of ids) stack.twilio!.setBehaviour(to, { kind: 'answer', ringMs: 50, callee: benchCallee(durationSeconds) });

    const placed = await Promise.all(
      ids.map(async ({ callbackId, to }, i) => {
        // Calls arrive at SETUP_CALLS_PER_SECOND (the simulators and the API share this process), then all overlap.
        await new Promise((r) => setTimeout(r, (i * 1000) / SETUP_CALLS_PER_SECOND));
        const response = await fetch(`${stack.apiUrl}/call/initiate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
          body: JSON.stringify({ callbackId, to, provider, instructions: `Benchmark call ${callbackId}.` }),
        });
        return (await response.json()) as { callSid?: string };
      }),
    );

    let peakRss = baseline.rss;
    let peakActiveCalls = 0;
    const sampler = setInterval(
      () =>
        void mediaStats(media).then((s) => {
          peakRss = Math.max(peakRss, s.rss);
          peakActiveCalls = Math.max(peakActiveCalls, s.activeCalls);
        }),
      1_000,
    );
    const deadline = Date.now() + (durationSeconds + 90) * 1000;
    const mine = (event: { detail: unknown }) => ids.some(({ callbackId }) => (event.detail as { callbackId: string }).callbackId === callbackId);
    while (stack.events.events.filter(mine).length < calls && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    clearInterval(sampler);
    const final = await mediaStats(media);

    const simCalls = placed.map((p) => stack.twilio!.calls.find((c) => c.sid === p.callSid));
    let framesLost = 0;
    for (const [i, call] of simCalls.entries()) {
      const stream = call?.streams[0];
      const model = modelSide(stack, provider, `Benchmark call ${ids[i]!.callbackId}.`);
      if (!stream || !model) {
        if (process.env.BENCH_DEBUG) console.log(JSON.stringify({ missing: { stream: Boolean(stream), model: Boolean(model), status: call?.status, twiml: call?.twiml.map((t) => [t.xml?.slice(0, 200), t.error, t.fetch?.responseStatus, t.fetch?.durationMs, t.fetch?.error]) } }));
        framesLost += Math.round(durationSeconds * 50);
        continue;
      }
      // Audio time the callee sent vs the model received, and the reverse; resampling providers get one frame of slack.
      const slack = provider === 'openai' ? 0 : 1;
      if (process.env.BENCH_DEBUG) console.log(JSON.stringify({ sent: stream.bytesSent / 8, recv: model.receivedMs, mSent: model.sentMs, cRecv: stream.bytesReceived / 8, end: stream.endReason }));
      framesLost += Math.max(0, Math.floor((stream.bytesSent / 8 - model.receivedMs) / 20) - slack);
      framesLost += Math.max(0, Math.floor((model.sentMs - stream.bytesReceived / 8) / 20) - slack);
    }
    const events = stack.events.events.filter(mine);
    const callSeconds = simCalls.reduce((sum, call) => sum + (call?.duration ?? 0), 0) || calls * durationSeconds;
    const cpuMs = (final.cpu.user + final.cpu.system - baseline.cpu.user - baseline.cpu.system) / 1000;
    return {
      calls,
      durationSeconds,
      provider,
      peakActiveCalls,
      completed: events.filter((e) => (e.detail as { outcome: string }).outcome === 'completed').length,
      eventsEmitted: events.length,
      framesLost,
      inboundLatencyMs: pick(final.inboundLatencyMs),
      outboundLatencyMs: pick(final.outboundLatencyMs),
      firstAudioMs: { p50: round(final.firstAudioMs.p50), p99: round(final.firstAudioMs.p99) },
      eventLoopLagMsP99: round(final.eventLoopLagMsP99),
      cpuMsPerCallSecond: round(cpuMs / callSeconds),
      rssMbPerCall: round((peakRss - baseline.rss) / 1024 / 1024 / calls),
    };
  } finally {
    media.kill('SIGTERM');
    await exited(media);
    await stack.close();
  }
}

/** One call through the whole path first, so module loading and JIT warm-up are not measured. */
async function warmUp(stack: LocalStack, provider: string): Promise<void> {
  const callbackId = `bench-warmup-${Date.now()}`;
  const to = '+15559999999';
  stack.twilio!.setBehaviour(to, { kind: 'answer', ringMs: 50, callee: benchCallee(4) });
  await fetch(`${stack.apiUrl}/call/initiate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({ callbackId, to, provider }),
  });
  await stack.events.waitFor((event) => (event.detail as { callbackId: string }).callbackId === callbackId, 60_000);
}

/** Milliseconds of audio one call's model session received and sent, from the provider's fake. */
function modelSide(stack: LocalStack, provider: string, marker: string): { receivedMs: number; sentMs: number } | undefined {
  const pcmBytesPerMs = (rate: number) => (rate * 2) / 1000;
  const elevenLabsBytesPerMs = (format: string) => (format === 'ulaw_8000' ? 8 : pcmBytesPerMs(Number(format.replace('pcm_', ''))));
  switch (provider) {
    case 'openai': {
      const s = stack.model?.stats.sessions.find((x) => x.instructions.includes(marker));
      return s && { receivedMs: s.audioBytesReceived / 8, sentMs: s.audioBytesSent / 8 };
    }
    case 'gemini': {
      const s = stack.gemini?.stats.sessions.find((x) => x.instructions.includes(marker));
      return s && { receivedMs: s.audioBytesReceived / pcmBytesPerMs(16_000), sentMs: s.audioBytesSent / pcmBytesPerMs(24_000) };
    }
    case 'elevenlabs': {
      const s = stack.elevenlabs?.stats.conversations.find((x) => x.instructions.includes(marker));
      return s && { receivedMs: s.audioBytesReceived / elevenLabsBytesPerMs(s.inputFormat), sentMs: s.audioBytesSent / elevenLabsBytesPerMs(s.outputFormat) };
    }
    case 'amazon_nova_sonic': {
      const s = stack.novaSonic?.stats.streams.find((x) => x.systemPrompt.includes(marker));
      return s && { receivedMs: s.audioBytesReceived / pcmBytesPerMs(s.inputSampleRate ?? 16_000), sentMs: s.audioBytesSent / pcmBytesPerMs(s.outputSampleRate ?? 24_000) };
    }
    default:
      return undefined;
  }
}

function pick(h: { p50: number; p99: number; max: number }) {
  return { p50: round(h.p50, 3), p99: round(h.p99, 3), max: round(h.max, 3) };
}

function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => ({
    calls: r.calls,
    peak: r.peakActiveCalls,
    provider: r.provider,
    'events/completed': `${r.eventsEmitted}/${r.completed}`,
    framesLost: r.framesLost,
    'in p50/p99/max ms': `${r.inboundLatencyMs.p50}/${r.inboundLatencyMs.p99}/${r.inboundLatencyMs.max}`,
    'out p50/p99/max ms': `${r.outboundLatencyMs.p50}/${r.outboundLatencyMs.p99}/${r.outboundLatencyMs.max}`,
    'first audio p50/p99 ms': `${r.firstAudioMs.p50}/${r.firstAudioMs.p99}`,
    'loop lag p99 ms': r.eventLoopLagMsP99,
    'cpu ms/call-s': r.cpuMsPerCallSecond,
    'rss MB/call': r.rssMbPerCall,
  }));
  console.table(rows);
}

const provider = values.provider!;
const duration = Number(values.duration);
if (values.ramp) {
  const results: BenchResult[] = [];
  let best = 0;
  for (let n = Number(values['ramp-step']); n <= Number(values['ramp-max']); n += Number(values['ramp-step'])) {
    // Long enough that every call of the step is live at once after the steady-rate set-up.
    const result = await runOnce(n, Math.max(duration, Math.ceil((2 * n) / SETUP_CALLS_PER_SECOND)), provider);
    results.push(result);
    printTable([result]);
    // A frame also waits while the event loop is busy, so its lag counts against the 20 ms budget too.
    const worstP99 = Math.max(result.inboundLatencyMs.p99, result.outboundLatencyMs.p99, result.eventLoopLagMsP99);
    const ok = result.framesLost === 0 && worstP99 <= 20 && result.eventsEmitted === n;
    if (!ok) break;
    best = n;
  }
  console.log(`Ramp: ${best} concurrent calls per media-service process (one event loop, so per vCPU) before a p99 (inbound, outbound or event-loop lag) passed 20 ms or frames were lost.`);
  printTable(results);
  if (values.json) await writeFile(values.json, `${JSON.stringify({ maxCallsPerVcpu: best, runs: results }, null, 2)}\n`);
} else {
  const result = await runOnce(Number(values.calls), duration, provider);
  printTable([result]);
  if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
}
process.exit(0);
