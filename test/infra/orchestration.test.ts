import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app';
import type { FunctionName } from '../../functions/routes';
import { FUNCTION_SPECS } from '../../infra/constructs/api/function-specs';
import type { CallerEngineStack } from '../../infra/stack';
import { deliveryAttempts } from '../../shared/deliveries';
import {
  actionsOf,
  collectReferences,
  findCycle,
  referencedResources,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  type CfnTemplate,
  type PolicyStatementJson,
} from '../support/cfn-template';

// Scheduled calls (EventBridge Scheduler) and webhook/task-token deliveries (SQS), with a
// non-default retry base so the redrive count is seen to follow it (bundling skipped).
let outdir: string;
let app: App;
let stack: CallerEngineStack;
let json: CfnTemplate;
const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const fnId = (name: FunctionName) => id(stack.api.functions[name]);
const fnStatements = (name: FunctionName) => statementsOfRole(json, roleOfFunction(json, fnId(name)));
const envOf = (name: FunctionName) =>
  (json.Resources[fnId(name)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
const ALL = Object.keys(FUNCTION_SPECS) as FunctionName[];
const withActions = (statements: PolicyStatementJson[], prefix: string) => statements.filter((s) => actionsOf([s]).some((a) => a.startsWith(prefix)));

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'caller-engine-orchestration-'));
  ({ app, stack } = createApp({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [], environment: JSON.stringify({ DELIVERY_RETRY_BASE_SECONDS: '60' }) },
  }));
  json = Template.fromStack(stack).toJSON() as CfnTemplate;
}, 120_000);
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('call schedules', () => {
  it('has one schedule group, and a role only EventBridge Scheduler of this account and group may assume', () => {
    const groupId = id(stack.orchestration.scheduleGroup);
    expect(resourcesOfType(json, 'AWS::Scheduler::ScheduleGroup').map(([logicalId]) => logicalId)).toEqual([groupId]);
    const role = json.Resources[id(stack.orchestration.schedulerRole)]!.Properties!;
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] } },
          },
        },
      ],
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the scheduler role invoke only the dispatch function and dead-letter only into its own queue', () => {
    const statements = statementsOfRole(json, id(stack.orchestration.schedulerRole));
    const invoke = withActions(statements, 'lambda:');
    expect(invoke.map((s) => s.Action)).toEqual(['lambda:InvokeFunction']);
    // the ARN names the function the dispatch handler is deployed as
    const dispatchName = json.Resources[fnId('dispatch')]!.Properties!.FunctionName;
    expect(dispatchName).toBe(stack.orchestration.dispatchFunctionName);
    expect(JSON.stringify(invoke[0]!.Resource)).toContain(`:function:${dispatchName}`);
    expect([...referencedResources(statements, 'sqs:')]).toEqual([id(stack.orchestration.scheduleDeadLetterQueue)]);
    expect(actionsOf(statements).filter((a) => !a.startsWith('lambda:') && !a.startsWith('sqs:'))).toEqual([]);
  });

  it('lets only initiate, cancel-call and dispatch create and delete schedules, in the group only, passing only the scheduler role', () => {
    const schedulers = ALL.filter((name) => actionsOf(fnStatements(name)).some((a) => a.startsWith('scheduler:')));
    expect(schedulers.sort()).toEqual(['cancel-call', 'dispatch', 'initiate']);
    const groupName = json.Resources[id(stack.orchestration.scheduleGroup)]!.Properties!.Name as string;
    for (const name of schedulers) {
      const statements = fnStatements(name);
      const schedule = withActions(statements, 'scheduler:');
      expect(schedule.flatMap((s) => s.Action).sort(), name).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
      const resource = JSON.stringify(schedule[0]!.Resource);
      expect(resource, name).toMatch(new RegExp(`:schedule/${groupName}/\\*"`));
      const pass = withActions(statements, 'iam:');
      expect(pass, name).toEqual([
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: { 'Fn::GetAtt': [id(stack.orchestration.schedulerRole), 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
      const env = envOf(name);
      expect(env.SCHEDULE_GROUP_NAME, name).toEqual(groupName);
      expect(env.SCHEDULER_ROLE_ARN, name).toEqual({ 'Fn::GetAtt': [id(stack.orchestration.schedulerRole), 'Arn'] });
      expect(JSON.stringify(env.DISPATCH_FUNCTION_ARN), name).toContain(`:function:${stack.orchestration.dispatchFunctionName}`);
      expect(env.SCHEDULE_DEAD_LETTER_ARN, name).toEqual({ 'Fn::GetAtt': [id(stack.orchestration.scheduleDeadLetterQueue), 'Arn'] });
    }
    for (const name of ALL.filter((n) => !schedulers.includes(n))) {
      expect(actionsOf(fnStatements(name)), name).not.toContain('iam:PassRole');
      expect(envOf(name).SCHEDULER_ROLE_ARN, name).toBeUndefined();
    }
  });
});

describe('delivery queue', () => {
  it('is encrypted, TLS-only, and redrives to a 14-day dead-letter queue after the receives that span 24 hours of backoff', () => {
    const queue = json.Resources[id(stack.orchestration.deliveryQueue)]!.Properties!;
    const dlqId = id(stack.orchestration.deliveryDeadLetterQueue);
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: deliveryAttempts(60) },
    });
    expect(deliveryAttempts(60)).not.toBe(deliveryAttempts(30));
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(json.Resources[fnId('deliver')]!.Properties!.Timeout as number);
    expect(json.Resources[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    for (const q of [stack.orchestration.deliveryQueue, stack.orchestration.deliveryDeadLetterQueue, stack.orchestration.scheduleDeadLetterQueue]) {
      const policy = resourcesOfType(json, 'AWS::SQS::QueuePolicy').find(([, p]) => collectReferences(p.Properties!.Queues).has(id(q)));
      expect(JSON.stringify(policy?.[1].Properties), id(q)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('feeds the deliver function with partial batch failures', () => {
    const mappings = resourcesOfType(json, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties!);
    expect(mappings).toEqual([
      expect.objectContaining({
        EventSourceArn: { 'Fn::GetAtt': [id(stack.orchestration.deliveryQueue), 'Arn'] },
        FunctionName: { Ref: fnId('deliver') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
    expect(envOf('deliver').DELIVERY_QUEUE_URL).toEqual({ Ref: id(stack.orchestration.deliveryQueue) });
  });

  it('lets only the functions that complete calls and the media task send to it', () => {
    const queueId = id(stack.orchestration.deliveryQueue);
    const senders = ALL.filter((name) => actionsOf(fnStatements(name)).includes('sqs:SendMessage'));
    expect(senders.sort()).toEqual(['call-status', 'cancel-call', 'dispatch', 'sweeper']);
    for (const name of senders) {
      expect([...referencedResources(fnStatements(name), 'sqs:')], name).toEqual([queueId]);
      expect(envOf(name).DELIVERY_QUEUE_URL, name).toEqual({ Ref: queueId });
    }
    const taskRole = id(stack.media.taskDefinition.taskRole);
    const taskSqs = withActions(statementsOfRole(json, taskRole), 'sqs:');
    expect(actionsOf(taskSqs).sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    expect([...referencedResources(taskSqs)]).toEqual([queueId]);
    const container = (json.Resources[id(stack.media.taskDefinition)]!.Properties!.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[])[0]!;
    expect(container.Environment.find((e) => e.Name === 'DELIVERY_QUEUE_URL')?.Value).toEqual({ Ref: queueId });
  });

  it('lets only deliver consume it, complete Step Functions tasks and read the signing secret', () => {
    const statements = fnStatements('deliver');
    expect(withActions(statements, 'states:').flatMap((s) => s.Action).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']));
    expect(actionsOf(statements).filter((a) => /^(events|scheduler|iam|lambda|s3):/.test(a) || a === 'sqs:SendMessage')).toEqual([]);
    expect(actionsOf(statements).filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
    expect([...referencedResources(statements, 'secretsmanager:')]).toEqual([id(stack.secrets.secret('WEBHOOK_SIGNING_SECRET'))]);
    expect(envOf('deliver').WEBHOOK_SIGNING_SECRET_SECRET_ARN).toEqual({ Ref: id(stack.secrets.secret('WEBHOOK_SIGNING_SECRET')) });
    for (const name of ALL.filter((n) => n !== 'deliver')) {
      const actions = actionsOf(fnStatements(name));
      expect(actions.filter((a) => a.startsWith('states:') || a === 'sqs:ReceiveMessage'), name).toEqual([]);
    }
  });
});

describe('operations', () => {
  it('alarms on the depth of the delivery and schedule dead-letter queues, each saying what waits in it', () => {
    const alarmed = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map(([, a]) => ({ refs: collectReferences(a.Properties!.Dimensions), description: String(a.Properties!.AlarmDescription) }));
    const descriptionOf = (q: IConstruct) => alarmed.find(({ refs }) => refs.has(id(q)))?.description;
    expect(descriptionOf(stack.orchestration.deliveryDeadLetterQueue)).toMatch(/webhooks or task tokens/);
    expect(descriptionOf(stack.orchestration.scheduleDeadLetterQueue)).toMatch(/^Scheduled calls/);
  });

  it('has no dependency cycle (dispatch schedules itself) and passes cdk-nag', () => {
    expect(findCycle(json)).toBeUndefined();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.filter((v) => v.severity === 'error').map((v) => `${v.ruleName} ${JSON.stringify(v.violatingResources)}`)).toEqual([]);
  });
});
