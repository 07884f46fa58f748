import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { bridgeMetrics } from './metrics';

/**
 * Publishes the media service's CloudWatch metrics (EMF on stdout) once a minute: active
 * calls and the cap, bridge latency and event-loop lag over the minute, and the counts
 * since the last flush (calls started, completed, failed, refused at the cap, cut by a
 * drain, upgrades refused for their signature).
 */
export function publishMetricsPeriodically(activeCalls: () => number, intervalMs = 60_000): () => void {
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CallerEngine',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'caller-engine-media',
  });
  const timer = setInterval(() => {
    const { inboundLatencyMs, outboundLatencyMs, eventLoopLagMsP99 } = bridgeMetrics.snapshot();
    bridgeMetrics.reset();
    const counts = callCounts.takeAll();
    metrics.addMetric('ActiveCalls', MetricUnit.Count, activeCalls());
    metrics.addMetric('CallsStarted', MetricUnit.Count, counts.started);
    metrics.addMetric('CallsCompleted', MetricUnit.Count, counts.completed);
    metrics.addMetric('CallsFailed', MetricUnit.Count, counts.failed);
    metrics.addMetric('CallsRefusedAtCap', MetricUnit.Count, counts.refusedAtCap);
    metrics.addMetric('CallsCutByDrain', MetricUnit.Count, counts.cutByDrain);
    metrics.addMetric('StreamSignatureRefusals', MetricUnit.Count, counts.refusedSignature);
    metrics.addMetric('EventLoopLagMs', MetricUnit.Milliseconds, eventLoopLagMsP99);
    if (inboundLatencyMs.count) metrics.addMetric('BridgeLatencyMs', MetricUnit.Milliseconds, Math.max(inboundLatencyMs.p99, outboundLatencyMs.p99));
    metrics.publishStoredMetrics();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

const ZERO = { started: 0, completed: 0, failed: 0, refusedAtCap: 0, cutByDrain: 0, refusedSignature: 0 };

/** Calls started and ended, and streams refused or cut, since the last metrics flush. */
export const callCounts = {
  ...ZERO,
  takeAll() {
    const { started, completed, failed, refusedAtCap, cutByDrain, refusedSignature } = this;
    Object.assign(this, ZERO);
    return { started, completed, failed, refusedAtCap, cutByDrain, refusedSignature };
  },
};
