import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { z } from 'zod';
import { awsClientOptions } from './aws';
import type { Config } from './config';

/** What a schedule hands the dispatch function: the call, and the time it was scheduled for. */
export const dispatchInputSchema = z.object({ callbackId: z.string(), scheduledFor: z.string() });
export type DispatchInput = z.infer<typeof dispatchInputSchema>;

export interface CallSchedulerSettings {
  groupName: string;
  /** The dispatch function's ARN and the role EventBridge Scheduler assumes to invoke it. */
  targetArn: string;
  roleArn: string;
  deadLetterArn?: string;
}

/**
 * One-time EventBridge Scheduler schedules that place a call later. A schedule's name is a
 * function of the call and its time, so creating it again is harmless and cancel can find
 * it from the call record alone.
 */
export class CallScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: CallSchedulerSettings,
  ) {}

  async schedule(input: DispatchInput): Promise<void> {
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: scheduleName(input),
          GroupName: this.settings.groupName,
          ScheduleExpression: `at(${input.scheduledFor.slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: 'Places a scheduled Caller Engine call',
          Target: {
            Arn: this.settings.targetArn,
            RoleArn: this.settings.roleArn,
            Input: JSON.stringify(input),
            RetryPolicy: { MaximumEventAgeInSeconds: 3_600, MaximumRetryAttempts: 10 },
            ...(this.settings.deadLetterArn ? { DeadLetterConfig: { Arn: this.settings.deadLetterArn } } : {}),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  /** Deletes the schedule; one already fired or deleted is fine. */
  async unschedule(input: DispatchInput): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(input), GroupName: this.settings.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/** `call-` + 40 hex digits: schedule names allow 64 characters of `[0-9A-Za-z-_.]`, callbackIds are longer and freer. */
export function scheduleName(input: DispatchInput): string {
  return `call-${createHash('sha256').update(`${input.callbackId}\n${input.scheduledFor}`).digest('hex').slice(0, 40)}`;
}

export function createCallScheduler(c: Config): CallScheduler {
  if (!c.DISPATCH_FUNCTION_ARN || !c.SCHEDULER_ROLE_ARN) {
    throw new Error('Scheduling calls needs DISPATCH_FUNCTION_ARN and SCHEDULER_ROLE_ARN');
  }
  return new CallScheduler(new SchedulerClient(awsClientOptions(c.AWS_REGION, c.SCHEDULER_ENDPOINT)), {
    groupName: c.SCHEDULE_GROUP_NAME,
    targetArn: c.DISPATCH_FUNCTION_ARN,
    roleArn: c.SCHEDULER_ROLE_ARN,
    deadLetterArn: c.SCHEDULE_DEAD_LETTER_ARN,
  });
}
