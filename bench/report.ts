import type { PhaseResult } from './phase';

const ratio = (engine: number, floor: number) => (floor > 0 ? `${(engine / floor).toFixed(2)}×` : engine > 0 ? '∞' : '–');

/** Every figure of the media service beside the pass-through's from the same run, and their ratio. */
export function comparisonRows(engine: PhaseResult, floor: PhaseResult | undefined): Array<Record<string, string | number>> {
  const figures: Array<[string, number, number | undefined]> = [
    ['inbound p50 ms', engine.inboundMs.p50, floor?.inboundMs.p50],
    ['inbound p99 ms', engine.inboundMs.p99, floor?.inboundMs.p99],
    ['outbound p50 ms', engine.outboundMs.p50, floor?.outboundMs.p50],
    ['outbound p99 ms', engine.outboundMs.p99, floor?.outboundMs.p99],
    ['frames lost in', engine.framesLostIn, floor?.framesLostIn],
    ['frames lost out', engine.framesLostOut, floor?.framesLostOut],
    ['calls failed', engine.callsFailed, floor?.callsFailed],
    ['CPU ms per call-second', engine.cpuMsPerCallSecond, floor?.cpuMsPerCallSecond],
    ['… of it user space', engine.userCpuMsPerCallSecond, floor?.userCpuMsPerCallSecond],
    ['peak RSS MB', engine.peakRssMb, floor?.peakRssMb],
    ['RSS after warm-up MB', engine.idleRssMb, floor?.idleRssMb],
    ['peak active calls', engine.peakActiveCalls, floor?.peakActiveCalls],
  ];
  return figures.map(([figure, mine, base]) => ({
    figure,
    'Caller Engine': mine,
    'pass-through': base ?? '–',
    ratio: base === undefined ? '–' : ratio(mine, base),
  }));
}

export function printComparison(engine: PhaseResult, floor: PhaseResult | undefined): void {
  console.log(`\n${engine.calls} calls, provider ${engine.provider} (pass-through: OpenAI μ-law relay)`);
  console.table(comparisonRows(engine, floor));
  if (engine.engine) {
    const e = engine.engine;
    console.log(
      `media service: ${e.eventsEmitted}/${engine.calls} events, handler p99 in/out ${e.handlerInP99Ms}/${e.handlerOutP99Ms} ms, first audio p50 ${e.firstAudioP50Ms} ms, event-loop lag p99 ${e.loopLagP99Ms} ms`,
    );
  }
  for (const r of [floor, engine]) {
    if (r?.callsFailed) console.log(`${r.bridge} failures: ${JSON.stringify(r.failures)}`);
    if (r) console.log(`load during ${r.bridge}: 1-min load average ${r.load.loadAvg1} (2 cores), load generator ${r.load.generatorCorePct}% of a core`);
  }
}

/**
 * Over several rounds of the same run: each ratio's median and range, and each figure's range. Ratios
 * from one round compare like with like; the range says how far a single run can be trusted.
 */
export function printSpread(rounds: ReadonlyArray<{ engine: PhaseResult; floor?: PhaseResult }>): void {
  const figures: Array<[string, (r: PhaseResult) => number]> = [
    ['CPU ms per call-second', (r) => r.cpuMsPerCallSecond],
    ['… of it user space', (r) => r.userCpuMsPerCallSecond],
    ['inbound p99 ms', (r) => r.inboundMs.p99],
    ['outbound p99 ms', (r) => r.outboundMs.p99],
    ['peak RSS MB', (r) => r.peakRssMb],
  ];
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
  console.log(`\n${rounds.length} rounds, pass-through and media service alternating`);
  console.table(
    figures.map(([figure, of]) => {
      const mine = rounds.map((r) => of(r.engine));
      const ratios = rounds.flatMap((r) => (r.floor && of(r.floor) > 0 ? [of(r.engine) / of(r.floor)] : []));
      return {
        figure,
        'Caller Engine': range(mine),
        'pass-through': rounds.every((r) => r.floor) ? range(rounds.map((r) => of(r.floor!))) : '–',
        'ratio (median)': ratios.length ? `${median(ratios).toFixed(2)}×` : '–',
        'ratio (range)': ratios.length ? range(ratios) : '–',
      };
    }),
  );
}
