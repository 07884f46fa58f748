import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from '../shared/logger';
import { setTaskScaleInProtection } from './ecs-task-protection';
import { bridgeMetrics } from './metrics';

/** Protection lasts at most this long without a refresh, in case the task never clears it. */
const PROTECTION_MINUTES = 180;

/**
 * Keeps ECS from stopping this task while it carries calls: protection on at the first
 * live call, off when the last one ends. A no-op outside ECS.
 */
export function protectWhileBusy(activeCalls: number, previous: number): void {
  const onError = (error: Error) => logger.warn('Task scale-in protection could not be changed', { error: error.message });
  if (previous === 0 && activeCalls > 0) void setTaskScaleInProtection(true, PROTECTION_MINUTES, { onError });
  if (previous > 0 && activeCalls === 0) void setTaskScaleInProtection(false, undefined, { onError });
}

/**
 * Publishes the media service's CloudWatch metrics (EMF on stdout) once a minute: active
 * calls, bridge latency, and the calls started, completed and failed since the last flush.
 */
export function publishMetricsPeriodically(activeCalls: () => number, intervalMs = 60_000): () => void {
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CallerEngine',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'caller-engine-media',
  });
  const timer = setInterval(() => {
    const { inboundLatencyMs, outboundLatencyMs } = bridgeMetrics.snapshot();
    const counts = callCounts.takeAll();
    metrics.addMetric('ActiveCalls', MetricUnit.Count, activeCalls());
    metrics.addMetric('CallsStarted', MetricUnit.Count, counts.started);
    metrics.addMetric('CallsCompleted', MetricUnit.Count, counts.completed);
    metrics.addMetric('CallsFailed', MetricUnit.Count, counts.failed);
    if (inboundLatencyMs.count) metrics.addMetric('BridgeLatencyMs', MetricUnit.Milliseconds, Math.max(inboundLatencyMs.p99, outboundLatencyMs.p99));
    metrics.publishStoredMetrics();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Calls started and ended since the last metrics flush. */
export const callCounts = {
  started: 0,
  completed: 0,
  failed: 0,
  takeAll() {
    const taken = { started: this.started, completed: this.completed, failed: this.failed };
    this.started = this.completed = this.failed = 0;
    return taken;
  },
};
