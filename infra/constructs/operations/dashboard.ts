import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { CallApi } from '../call-api';
import { METRICS_NAMESPACE, type MediaService } from '../media-service';

/**
 * One dashboard of the call metrics the application emits (namespace CallerEngine, dimension
 * service) next to the AWS metrics of the API, its functions, the media tasks and the queues.
 */
export function buildDashboard(
  scope: Construct,
  props: {
    api: CallApi;
    media: MediaService;
    /** The dead-letter queues, by alarm name. */
    deadLetterQueues: ReadonlyArray<readonly [string, sqs.IQueue]>;
    /** The example consumer's queue of completion events. */
    consumerQueue: sqs.IQueue;
    dashboardName?: string;
  },
): cloudwatch.Dashboard {
  const { api, media, deadLetterQueues } = props;
  const targets = media.targetGroup.metrics;
  const appTotal = (metricName: string, label: string) =>
    new cloudwatch.MathExpression({
      expression: `SUM(SEARCH('{${METRICS_NAMESPACE},service} MetricName="${metricName}"', 'Sum', 60))`,
      label,
      period: Duration.minutes(1),
    });
  const mediaMetric = (metricName: string, statistic: string, label: string) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: media.serviceName },
      statistic,
      label,
      period: Duration.minutes(1),
    });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: props.dashboardName,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Calls per minute',
      width: 12,
      left: [
        appTotal('CallsStarted', 'started'),
        appTotal('CallsCompleted', 'completed'),
        appTotal('CallsFailed', 'failed'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Active calls (media service)',
      width: 12,
      left: [
        media.metricActiveCalls('Average').with({ label: 'average per task' }),
        media.metricActiveCalls('Maximum').with({ label: 'busiest task' }),
      ],
      right: [targets.healthyHostCount({ statistic: 'Minimum', label: 'healthy tasks', period: Duration.minutes(1) })],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Bridge latency (ms)',
      width: 12,
      left: ['p50', 'p90', 'p99'].map((p) => mediaMetric('BridgeLatencyMs', p, p)),
    }),
    new cloudwatch.GraphWidget({
      title: 'Event-loop lag p99 (ms)',
      width: 12,
      left: [mediaMetric('EventLoopLagMs', 'Maximum', 'worst task'), mediaMetric('EventLoopLagMs', 'Average', 'average task')],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Streams refused or cut (media service)',
      width: 12,
      left: [
        mediaMetric('CallsRefusedAtCap', 'Sum', 'refused at MAX_CALLS_PER_TASK'),
        mediaMetric('CallsCutByDrain', 'Sum', 'cut by drain'),
        mediaMetric('StreamSignatureRefusals', 'Sum', 'bad signature'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Function throttles',
      width: 12,
      left: Object.entries(api.functions).map(([name, fn]) =>
        fn.metricThrottles({ label: name, period: Duration.minutes(1), statistic: 'Sum' }),
      ),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Call API',
      width: 12,
      left: [
        api.httpApi.metricCount({ label: 'requests', period: Duration.minutes(1) }),
        api.httpApi.metricClientError({ label: '4xx', period: Duration.minutes(1) }),
        api.httpApi.metricServerError({ label: '5xx', period: Duration.minutes(1) }),
      ],
      right: [api.httpApi.metricLatency({ label: 'p95 latency', statistic: 'p95', period: Duration.minutes(1) })],
    }),
    new cloudwatch.GraphWidget({
      title: 'Function errors',
      width: 12,
      left: Object.entries(api.functions).map(([name, fn]) =>
        fn.metricErrors({ label: name, period: Duration.minutes(1), statistic: 'Sum' }),
      ),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Media tasks',
      width: 12,
      left: [
        media.service.metricCpuUtilization({ label: 'CPU %', period: Duration.minutes(1) }),
        media.service.metricMemoryUtilization({ label: 'memory %', period: Duration.minutes(1) }),
      ],
      right: [targets.unhealthyHostCount({ statistic: 'Maximum', label: 'unhealthy targets', period: Duration.minutes(1) })],
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queues',
      width: 12,
      left: deadLetterQueues.map(([name, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ label: name, period: Duration.minutes(1), statistic: 'Maximum' }),
      ),
      right: [
        props.consumerQueue.metricApproximateNumberOfMessagesVisible({
          label: 'example consumer queue',
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
      ],
    }),
  );
  return dashboard;
}
