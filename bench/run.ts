import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

// The benchmark measures the bridges, not the logging of the simulators around them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const { startLocalStack } = await import('../local/stack');
const { freePort } = await import('../local/media-process');
const { realtimeUrl } = await import('../media-service/providers/openai');
const { benchAgentScript } = await import('./scripts');
const { startBridge } = await import('./bridges');
const { runPhase } = await import('./phase');
const { printComparison, printSpread } = await import('./report');

type PhaseResult = Awaited<ReturnType<typeof runPhase>>;

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '200' },
    rate: { type: 'string', default: '25' },
    duration: { type: 'string', default: '40' },
    provider: { type: 'string', default: 'openai' },
    'warm-up': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
    baseline: { type: 'boolean', default: true },
    'no-baseline': { type: 'boolean', default: false },
    json: { type: 'string' },
    ramp: { type: 'boolean', default: false },
    'ramp-start': { type: 'string', default: '100' },
    'ramp-step': { type: 'string', default: '100' },
    'ramp-max': { type: 'string', default: '600' },
    'ramp-budget-ms': { type: 'string', default: '20' },
  },
});

const provider = values.provider!;
const rate = Number(values.rate);
const duration = Number(values.duration);
const withBaseline = values.baseline && !values['no-baseline'];

type Round = { engine: PhaseResult; floor?: PhaseResult };

/**
 * One stack (API, dynalite, Twilio simulator, fake models) drives both bridges in turn on the same
 * port: the pass-through first, then the media service, with the same calls, rate and duration;
 * `rounds` times, in turn first and second, each bridge a fresh process every time.
 */
async function compare(calls: number, durationSeconds: number, baseline: boolean, rounds = 1): Promise<Round[]> {
  const port = await freePort();
  const stack = await startLocalStack({
    port: 0,
    env: {},
    externalMediaUrl: `ws://127.0.0.1:${port}`,
    // Real-time pacing: the callee sends a frame every 20 ms of wall time, as Twilio does.
    timeScale: 1,
    agent: benchAgentScript,
    overrides: {
      EVENTS_FILE: `.local/bench-events-${Date.now()}.jsonl`,
      MAX_CALL_DURATION_SECONDS: String(durationSeconds + 120),
      // The benchmark looks for the limit itself: no per-task cap in the way.
      MAX_CALLS_PER_TASK: String(10 * calls),
    },
  });
  try {
    const options = { calls, rate, durationSeconds, provider, warmUpCalls: Number(values['warm-up']) };
    const modelUrl = realtimeUrl(stack.env.OPENAI_BASE_URL!, 'gpt-realtime');
    const measure = async (kind: 'pass-through' | 'engine') => {
      const bridge = await startBridge(kind, stack.env, port, modelUrl);
      try {
        return await runPhase(stack, bridge, options);
      } finally {
        await bridge.stop();
      }
    };
    const results: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      // The stack's state grows with every call placed: every other round measures the media service first.
      if (round % 2 === 1) {
        const engine = await measure('engine');
        results.push({ engine, floor: baseline ? await measure('pass-through') : undefined });
      } else {
        const floor = baseline ? await measure('pass-through') : undefined;
        results.push({ engine: await measure('engine'), floor });
      }
    }
    return results;
  } finally {
    await stack.close();
  }
}

if (values.ramp) {
  const budget = Number(values['ramp-budget-ms']);
  const steps: Array<{ engine: PhaseResult; floor?: PhaseResult }> = [];
  let best = 0;
  for (let n = Number(values['ramp-start']); n <= Number(values['ramp-max']); n += Number(values['ramp-step'])) {
    // Long enough that every call of the step is live at once after the steady-rate set-up.
    const step = (await compare(n, Math.max(duration, Math.ceil((2 * n) / rate)), withBaseline))[0]!;
    steps.push(step);
    printComparison(step.engine, step.floor);
    const e = step.engine;
    const ok = e.callsFailed === 0 && e.framesLostIn + e.framesLostOut === 0 && Math.max(e.inboundMs.p99, e.outboundMs.p99) <= budget;
    if (!ok) break;
    best = n;
  }
  console.log(`\nRamp: ${best} concurrent calls per media-service process with end-to-end p99 ≤ ${budget} ms both ways, no frame lost and no call failed.`);
  if (values.json) await writeFile(values.json, `${JSON.stringify({ maxCallsPerProcess: best, budgetMs: budget, steps }, null, 2)}\n`);
} else {
  const rounds = await compare(Number(values.calls), duration, withBaseline, Number(values.rounds));
  for (const round of rounds) printComparison(round.engine, round.floor);
  if (rounds.length > 1) printSpread(rounds);
  if (values.json) await writeFile(values.json, `${JSON.stringify(rounds.length > 1 ? { rounds } : rounds[0], null, 2)}\n`);
}
process.exit(0);
