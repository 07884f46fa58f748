import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '../../functions/routes';
import { pascal } from '../names';
import type { CallApi } from './call-api';
import type { CallOrchestration } from './call-orchestration';
import type { CompletionEvents } from './completion-events';
import type { MediaService } from './media-service';
import { buildDashboard } from './operations/dashboard';
import { buildServiceAlarms } from './operations/service-alarms';

export interface OperationsProps {
  /** The call API and its functions. */
  readonly api: CallApi;
  /** The media service. */
  readonly media: MediaService;
  /** The completion-event bus and its queues. */
  readonly events: CompletionEvents;
  /** Call schedules and the delivery queue, whose dead-letter queues get depth alarms. */
  readonly orchestration?: CallOrchestration;
  /**
   * E-mail address subscribed to the alarm topic.
   * @default - no subscription (subscribe your pager to `alarmTopic`)
   */
  readonly alarmEmail?: string;
  /**
   * Name of the CloudWatch dashboard.
   * @default - generated
   */
  readonly dashboardName?: string;
}

/**
 * Alarms (API 5xx, every function's errors and throttles, dead-letter queue depth, unhealthy
 * media targets, no healthy media task, and the call and traffic alarms of
 * operations/service-alarms.ts) notifying an encrypted SNS topic; the media deployment rolls
 * back on the alarms that mean a release fails calls; and one dashboard of the call metrics
 * the application emits (namespace CallerEngine, dimension service) next to the AWS metrics.
 */
export class Operations extends Construct {
  /** Where every alarm notifies. */
  public readonly alarmTopic: sns.Topic;
  /** The alarms, by name. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { api, media } = props;

    // build: topic (CloudWatch cannot publish to a topic under the AWS managed SNS key, hence a CMK)
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Caller Engine alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" is this key
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Caller Engine alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new cwActions.SnsAction(this.alarmTopic);

    // build: alarms
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const alarm = (name: string, alarmProps: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, name, alarmProps);
      a.addAlarmAction(action);
      a.addOkAction(action);
      alarms[name] = a;
      return a;
    };

    alarm('Api5xx', {
      alarmDescription: 'The call API answered 5xx (Lambda errors, timeouts or throttling).',
      metric: api.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const [name, fn] of Object.entries(api.functions) as [FunctionName, lambda.IFunction][]) {
      alarm(`${pascal(name)}Errors`, {
        alarmDescription: `The ${name} function threw or timed out.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    const deadLetterQueues: [string, sqs.IQueue, string][] = [
      ['CompletionDlqDepth', props.events.deadLetterQueue, 'Completion events could not be delivered to or processed from the completion queue'],
    ];
    if (props.events.webhookDeadLetterQueue) {
      deadLetterQueues.push(['WebhookDlqDepth', props.events.webhookDeadLetterQueue, 'Completion events the completion webhook would not take']);
    }
    if (props.orchestration) {
      deadLetterQueues.push(['DeliveryDlqDepth', props.orchestration.deliveryDeadLetterQueue, "Calls' signed webhooks or task tokens that never got through"]);
      deadLetterQueues.push(['ScheduleDlqDepth', props.orchestration.scheduleDeadLetterQueue, 'Scheduled calls whose dispatch could not be invoked']);
    }
    for (const [name, queue, what] of deadLetterQueues) {
      alarm(name, {
        alarmDescription: `${what}; they wait in the dead-letter queue.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    const targets = media.targetGroup.metrics;
    const unhealthyTargets = alarm('MediaUnhealthyTargets', {
      alarmDescription: 'A media task fails its /health check.',
      metric: targets.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('MediaNoHealthyTasks', {
      alarmDescription: 'No healthy media task: calls cannot connect their audio stream.',
      metric: targets.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const deploymentAlarms = [unhealthyTargets, ...buildServiceAlarms(this, alarm, { api, media })];
    // ECS watches these during a media deployment (and its bake time) and rolls back when one fires.
    // They get fixed names so the service names them by a string, not a Ref (which CDK flags as a
    // possible cycle), and the service depends on them so they exist before its first deployment.
    const deploymentAlarmNames = deploymentAlarms.map((a) => {
      const name = `${Stack.of(this).stackName}-${a.node.id}`;
      (a.node.defaultChild as cloudwatch.CfnAlarm).alarmName = name;
      media.service.node.addDependency(a);
      return name;
    });
    media.service.enableDeploymentAlarms(deploymentAlarmNames, { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM });
    this.alarms = alarms;

    // build: dashboard
    this.dashboard = buildDashboard(this, {
      api,
      media,
      deadLetterQueues: deadLetterQueues.map(([name, queue]) => [name, queue] as const),
      consumerQueue: props.events.queue,
      dashboardName: props.dashboardName,
    });
  }
}
