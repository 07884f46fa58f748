import { ArnFormat, Aws, Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { queueDefaults } from '../defaults';
import { DELIVERY_RETRY_WINDOW_SECONDS, deliveryAttempts } from '../../shared/deliveries';

export interface CallOrchestrationProps {
  /** First retry delay of a failed delivery (DELIVERY_RETRY_BASE_SECONDS); the queue's maxReceiveCount follows from it. */
  readonly deliveryRetryBaseSeconds: number;
}

/**
 * What orchestrators' features run on in AWS: the one-time EventBridge Scheduler schedules
 * of scheduled calls (a group, the role Scheduler assumes to invoke the dispatch function,
 * a dead-letter queue) and the queue per-call webhook and task-token deliveries wait in
 * (retried for 24 hours by the deliver function, then dead-lettered).
 */
export class CallOrchestration extends Construct {
  /** Holds every call schedule; functions may create and delete schedules only in it. */
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes to invoke the dispatch function. */
  public readonly schedulerRole: iam.Role;
  /** Schedules whose invocation kept failing for an hour. */
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Webhook and task-token deliveries of completed calls. */
  public readonly deliveryQueue: sqs.Queue;
  /** Deliveries that never got through in the retry window. */
  public readonly deliveryDeadLetterQueue: sqs.Queue;
  /** The dispatch function's name, fixed here so the function can schedule itself without a reference cycle. */
  public readonly dispatchFunctionName: string;
  public readonly dispatchFunctionArn: string;

  constructor(scope: Construct, id: string, props: CallOrchestrationProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // build: schedules
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup');
    this.dispatchFunctionName = `${Names.uniqueResourceName(this, { maxLength: 55, separator: '-' })}-dispatch`;
    this.dispatchFunctionArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: this.dispatchFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', queueDefaults());
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler invoking the Caller Engine dispatch function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.dispatchFunctionArn] }),
    );
    this.scheduleDeadLetterQueue.grantSendMessages(this.schedulerRole);

    // build: deliveries
    this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', queueDefaults());
    this.deliveryQueue = new sqs.Queue(this, 'DeliveryQueue', {
      ...queueDefaults(),
      retentionPeriod: Duration.seconds(DELIVERY_RETRY_WINDOW_SECONDS * 2),
      // at least the deliver function's timeout; a failed attempt sets its own (backoff) visibility
      visibilityTimeout: Duration.minutes(10),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: deliveryAttempts(props.deliveryRetryBaseSeconds) },
    });

    for (const queue of [this.scheduleDeadLetterQueue, this.deliveryDeadLetterQueue]) {
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' });
    }
  }

  /** Lets a function create and delete call schedules in the group, handing Scheduler only its own role. */
  public grantScheduling(grantee: iam.IGrantable & IConstruct): void {
    // pseudo parameters (not the stack's region) so the finding acknowledged below has one form
    const schedules = `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${this.scheduleGroup.scheduleGroupName}/*`;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resources: [schedules] }),
    );
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroup.scheduleGroupName}/*]`,
      reason: 'One schedule per scheduled call, named at run time; limited to the call schedule group.',
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }

  /** What a function that schedules calls reads from its environment (shared/call-scheduler.ts). */
  public get schedulingEnvironment(): Record<string, string> {
    return {
      SCHEDULE_GROUP_NAME: this.scheduleGroup.scheduleGroupName,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      DISPATCH_FUNCTION_ARN: this.dispatchFunctionArn,
      SCHEDULE_DEAD_LETTER_ARN: this.scheduleDeadLetterQueue.queueArn,
    };
  }
}
