import { Aws, CfnCondition, Duration, Fn, type CfnResource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { pascal } from '../../names';
import type { CallApi } from '../call-api';
import { METRICS_NAMESPACE, type MediaService } from '../media-service';

/** Creates an alarm that notifies the alarm topic (Operations' factory). */
export type AlarmFactory = (name: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

const FIVE_MINUTES = Duration.minutes(5);
const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const quietIsFine = cloudwatch.TreatMissingData.NOT_BREACHING;

/**
 * Alarms on how calls fare and on the traffic that carries them: failed-call rate, calls cut
 * by a drain, tasks at their call cap, ALB and CloudFront 5xx, function throttles, a stalled
 * sweeper, and spikes of refused Twilio signatures. Returns the alarms a media deployment
 * must keep quiet (ECS rolls a release back when one of them fires during its deployment).
 */
export function buildServiceAlarms(scope: Construct, alarm: AlarmFactory, props: { api: CallApi; media: MediaService }): cloudwatch.Alarm[] {
  const { api, media } = props;
  const mediaMetric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: media.serviceName },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });

  const failedRate = alarm('MediaCallsFailedRate', {
    alarmDescription: 'At least 10 % of the media calls of the last 5 minutes failed (at least 5 calls). Rolls back a media deployment.',
    metric: new cloudwatch.MathExpression({
      expression: 'IF(started >= 5, 100 * failed / started, 0)',
      usingMetrics: { started: mediaMetric('CallsStarted'), failed: mediaMetric('CallsFailed') },
      label: 'failed calls %',
      period: FIVE_MINUTES,
    }),
    threshold: 10,
    evaluationPeriods: 1,
    comparisonOperator: atLeast,
    treatMissingData: quietIsFine,
  });

  alarm('MediaCallsCutByDrain', {
    alarmDescription: 'A stopping media task ended live calls after its drain timeout (a call outlived the deregistration delay, or a task was stopped without deregistration).',
    metric: mediaMetric('CallsCutByDrain'),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: atLeast,
    treatMissingData: quietIsFine,
  });

  alarm('MediaTasksAtCap', {
    alarmDescription: 'A media task refused streams at MAX_CALLS_PER_TASK: scaling did not keep up (raise mediaMaxTasks, lower callsPerTask).',
    metric: mediaMetric('CallsRefusedAtCap'),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: atLeast,
    treatMissingData: quietIsFine,
  });

  const alb5xx = alarm('MediaLoadBalancer5xx', {
    alarmDescription: 'The media ALB itself answered 5xx (no healthy target, target unreachable or reset). Rolls back a media deployment.',
    metric: media.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES, statistic: 'Sum' }),
    threshold: 5,
    evaluationPeriods: 1,
    comparisonOperator: atLeast,
    treatMissingData: quietIsFine,
  });

  if (media.distribution) {
    const cloudFront5xx = alarm('MediaCloudFront5xx', {
      alarmDescription: 'At least 5 % of the requests to the media distribution got 5xx for 5 minutes.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName: '5xxErrorRate',
        dimensionsMap: { DistributionId: media.distribution.distributionId, Region: 'Global' },
        statistic: 'Average',
        period: Duration.minutes(1),
      }),
      threshold: 5,
      evaluationPeriods: 5,
      comparisonOperator: atLeast,
      treatMissingData: quietIsFine,
    });
    // CloudFront publishes its metrics only in us-east-1, and an alarm sees only its own region.
    const inUsEast1 = new CfnCondition(scope, 'InUsEast1', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') });
    (cloudFront5xx.node.defaultChild as CfnResource).cfnOptions.condition = inUsEast1;
  }

  // One alarm per function: an alarm's metric math may hold at most 10 metrics, fewer than the functions.
  for (const [name, fn] of Object.entries(api.functions)) {
    alarm(`${pascal(name)}Throttles`, {
      alarmDescription: `Lambda throttled the ${name} function (account or reserved concurrency exhausted).`,
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietIsFine,
    });
  }

  alarm('SweeperStalled', {
    alarmDescription: 'The sweeper has not run for 5 minutes: calls whose media side died are not being completed.',
    metric: api.functions.sweeper.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });

  // Webhooks refused for their X-Twilio-Signature, counted from the functions' JSON logs.
  const webhookRefusals = new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'WebhookSignatureRefusals',
    statistic: 'Sum',
    period: FIVE_MINUTES,
  });
  for (const [name, logGroup] of Object.entries(api.logGroups)) {
    new logs.MetricFilter(scope, `${name}SignatureRefusals`, {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.code', '=', 'invalid_signature'),
      metricNamespace: webhookRefusals.namespace,
      metricName: webhookRefusals.metricName,
      metricValue: '1',
    });
  }
  alarm('SignatureRefusalSpike', {
    alarmDescription: 'At least 20 webhooks or media streams in 5 minutes were refused for their Twilio signature: a probe, or a rotated auth token not yet everywhere.',
    metric: new cloudwatch.MathExpression({
      expression: 'FILL(webhooks, 0) + FILL(streams, 0)',
      usingMetrics: { webhooks: webhookRefusals, streams: mediaMetric('StreamSignatureRefusals') },
      label: 'signature refusals',
      period: FIVE_MINUTES,
    }),
    threshold: 20,
    evaluationPeriods: 1,
    comparisonOperator: atLeast,
    treatMissingData: quietIsFine,
  });

  return [failedRate, alb5xx];
}
