import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from 'node:perf_hooks';

const NS_PER_MS = 1e6;
/** The event-loop monitor's sampling period; its histogram counts it in every sample. */
const LOOP_RESOLUTION_MS = 10;

function summary(h: RecordableHistogram) {
  if (h.count === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  return {
    count: h.count,
    p50: h.percentile(50) / NS_PER_MS,
    p99: h.percentile(99) / NS_PER_MS,
    max: h.max / NS_PER_MS,
  };
}

/**
 * In-process latency of the media bridge, in high-resolution histograms:
 * inbound — a Twilio frame handed to the bridge → its audio written to the model socket;
 * outbound — a model message with audio received → the Twilio media frame written;
 * first audio — stream `start` → the first agent audio frame written to Twilio.
 */
export class BridgeMetrics {
  readonly inbound = createHistogram();
  readonly outbound = createHistogram();
  readonly firstAudio = createHistogram();
  private readonly loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  constructor() {
    this.loop.enable();
  }

  recordSince(histogram: RecordableHistogram, startNs: bigint): void {
    histogram.record(Number(process.hrtime.bigint() - startNs) || 1);
  }

  snapshot() {
    return {
      inboundLatencyMs: summary(this.inbound),
      outboundLatencyMs: summary(this.outbound),
      firstAudioMs: summary(this.firstAudio),
      eventLoopLagMsP99: this.loop.count ? Math.max(0, this.loop.percentile(99) / NS_PER_MS - LOOP_RESOLUTION_MS) : 0,
    };
  }

  reset(): void {
    this.inbound.reset();
    this.outbound.reset();
    this.firstAudio.reset();
    this.loop.reset();
  }
}

/** One set of metrics per process. */
export const bridgeMetrics = new BridgeMetrics();
