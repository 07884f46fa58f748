import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, CfnResource, Stack, type AppProps } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, PROJECT_ROOT } from '../../infra/app';
import { AppSecrets } from '../../infra/constructs/app-secrets';
import { CallApi } from '../../infra/constructs/call-api';
import { Recordings } from '../../infra/constructs/recordings';
import { CallTable } from '../../infra/constructs/call-table';
import { CallOrchestration } from '../../infra/constructs/call-orchestration';
import { CompletionEvents } from '../../infra/constructs/completion-events';
import { MediaService } from '../../infra/constructs/media-service';
import { parseSettings } from '../../infra/settings';
import type { CallerEngineStack } from '../../infra/stack';
import {
  actionsOf,
  findCycle,
  referencedResources,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  wildcardActions,
  type CfnTemplate,
} from '../support/cfn-template';

// The non-default paths: own domain + certificate (HTTPS listener instead of CloudFront),
// IAM auth, completion webhook, customer managed table key, no NAT, a concrete region.
// Bundling is skipped here (the default deployment's test bundles for real).
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f6c2b7e-1111-2222-3333-444455556666';

let outdir: string;
const outdirs: string[] = [];
const synth = (context: Record<string, unknown>, props: Omit<AppProps, 'context'> = {}) => {
  outdir = mkdtempSync(path.join(tmpdir(), 'caller-engine-infra-variant-'));
  outdirs.push(outdir);
  return createApp({ outdir, context: { ...SKIP_BUNDLING, ...context }, ...props });
};
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('own domain, IAM auth, webhook, CMK, no NAT', () => {
  let app: App;
  let stack: CallerEngineStack;
  let template: Template;
  let json: CfnTemplate;
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct.node.children.find(CfnResource.isCfnResource)) as CfnElement);

  beforeAll(() => {
    ({ app, stack } = synth({
      stage: 'prod',
      region: 'eu-west-1',
      domainName: 'media.example.com',
      certificateArn: CERT,
      apiAuth: 'iam',
      completionWebhookUrl: 'https://hooks.example.com/caller-engine',
      tableEncryption: 'customer-managed',
      natGateways: '0',
      allowedDestinationPrefixes: '+1, +44',
      twilioAccountSid: 'AC0123456789abcdef0123456789abcdef',
      twilioPhoneNumber: '+15550001111',
      alarmEmail: 'ops@example.com',
      environment: '{"ENABLE_CALENDAR_TOOLS":"true"}',
    }));
    template = Template.fromStack(stack);
    json = template.toJSON() as CfnTemplate;
  }, 120_000);

  it('serves wss:// from an internet-facing ALB with an HTTPS listener instead of CloudFront', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::CloudFront::VpcOrigin', 0);
    template.resourceCountIs('Custom::AWS', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'idle_timeout.timeout_seconds', Value: '4000' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT }],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasOutput('MediaLoadBalancerDnsName', {});
  });

  it('gives every process MEDIA_URL wss://<domain>', () => {
    template.hasOutput('MediaUrl', { Value: 'wss://media.example.com' });
    for (const fn of Object.values(stack.api.functions)) {
      expect(json.Resources[id(fn)]!.Properties!.Environment).toMatchObject({
        Variables: {
          MEDIA_URL: 'wss://media.example.com',
          STAGE: 'prod',
          ALLOWED_DESTINATION_PREFIXES: '+1,+44',
          TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
          TWILIO_PHONE_NUMBER: '+15550001111',
          ENABLE_CALENDAR_TOOLS: 'true',
        },
      });
    }
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Environment: Match.arrayWith([{ Name: 'MEDIA_URL', Value: 'wss://media.example.com' }]) }),
      ],
    });
  });

  it('protects the call API routes with IAM auth, leaves the Twilio and public routes open and creates no API key', () => {
    const routes = Object.fromEntries(
      resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties!.RouteKey, r.Properties!.AuthorizationType]),
    );
    expect(routes).toEqual({
      'POST /call/initiate': 'AWS_IAM',
      'GET /calls/{callbackId}': 'AWS_IAM',
      'POST /calls/{callbackId}/cancel': 'AWS_IAM',
      'GET /calls/{callbackId}/recording': 'AWS_IAM',
      'POST /webhooks/recording-status': 'NONE',
      'GET /twiml/outbound': 'NONE',
      'POST /twiml/outbound': 'NONE',
      'POST /twiml/fallback': 'NONE',
      'POST /webhooks/call-status': 'NONE',
      'GET /health': 'NONE',
      'GET /openapi.json': 'NONE',
    });
    expect(stack.secrets.has('API_KEY')).toBe(false);
    template.resourceCountIs('AWS::SecretsManager::Secret', 7); // 6 app secrets + the webhook credential
    expect(Object.keys(template.findOutputs('ApiKeySecretArn'))).toEqual([]);
    const env = (json.Resources[id(stack.api.functions.initiate)]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.API_AUTH).toBe('iam');
    expect(env.API_KEY_SECRET_ARN).toBeUndefined();
    expect(env.TWILIO_AUTH_TOKEN_SECRET_ARN).toBeDefined();
  });

  it('forwards Call Completed to the webhook through an API destination with a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: { ApiKeyAuthParameters: Match.objectLike({ ApiKeyName: 'x-api-key' }) },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://hooks.example.com/caller-engine',
      HttpMethod: 'POST',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['caller-engine'], 'detail-type': ['Call Completed'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(stack.completionEvents.apiDestination!), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.completionEvents.webhookDeadLetterQueue!), 'Arn'] } },
        }),
      ],
    });
    // the credential is a dynamic reference, never a literal
    expect(JSON.stringify(resourcesOfType(json, 'AWS::Events::Connection')[0]![1].Properties)).toContain('resolve:secretsmanager');
    expect(resourcesOfType(json, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
  });

  it('encrypts the table with a rotating customer managed key that only its users may use', () => {
    const keyId = id(stack.callTable.encryptionKey!);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    expect(json.Resources[keyId]!.Properties!.EnableKeyRotation).toBe(true);
    const health = statementsOfRole(json, roleOfFunction(json, id(stack.api.functions.health)));
    expect(actionsOf(health).some((a) => a.startsWith('kms:'))).toBe(false);
    const getCall = statementsOfRole(json, roleOfFunction(json, id(stack.api.functions['get-call'])));
    expect(actionsOf(getCall).filter((a) => a.startsWith('kms:'))).toEqual(['kms:Decrypt']);
    expect([...referencedResources(getCall, 'kms:')]).toEqual([keyId]);
    for (const fn of Object.values(stack.api.functions)) {
      expect(wildcardActions(statementsOfRole(json, roleOfFunction(json, id(fn))))).toEqual([]);
    }
  });

  it('runs the tasks in public subnets with public IPs when natGateways is 0', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
  });

  it('subscribes the alarm e-mail', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has no dependency cycle and passes cdk-nag', () => {
    expect(findCycle(json)).toBeUndefined();
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName)).toEqual([]);
  });
});

describe('Nova Sonic and existing secrets', () => {
  it('grants Bedrock streaming when a call may choose Nova Sonic besides the default provider', () => {
    const bedrockOf = (context: Record<string, unknown>) => {
      const { stack } = synth(context);
      const json = Template.fromStack(stack).toJSON() as CfnTemplate;
      const taskRole = stack.getLogicalId(stack.media.taskDefinition.taskRole.node.defaultChild as CfnElement);
      return statementsOfRole(json, taskRole).filter((s) => actionsOf([s]).some((a) => a.startsWith('bedrock:')));
    };
    expect(bedrockOf({ realtimeProvider: 'openai' })).toEqual([]);
    const granted = bedrockOf({ realtimeProvider: 'openai', extraProviders: 'gemini, amazon_nova_sonic' });
    expect(granted).toHaveLength(1);
    expect(JSON.stringify(granted[0]!.Resource)).toContain('foundation-model/amazon.nova-2-sonic-v1:0');
    expect(() => synth({ extraProviders: 'foo' })).toThrow(/extraProviders/);
  });

  it('grants Bedrock bidirectional streaming on the Nova Sonic models only when selected, and uses given secrets', () => {
    const twilioArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:caller-engine/twilio-AbCdEf';
    const { stack } = synth({
      realtimeProvider: 'amazon_nova_sonic',
      secretArns: { TWILIO_AUTH_TOKEN: twilioArn },
    });
    const template = Template.fromStack(stack);
    const json = template.toJSON() as CfnTemplate;
    const taskRole = stack.getLogicalId(stack.media.taskDefinition.taskRole.node.defaultChild as CfnElement);
    const bedrock = statementsOfRole(json, taskRole).filter((s) => actionsOf([s]).some((a) => a.startsWith('bedrock:')));
    expect(bedrock).toHaveLength(1);
    expect(bedrock[0]!.Action).toBe('bedrock:InvokeModelWithBidirectionalStream');
    expect(JSON.stringify(bedrock[0]!.Resource)).toContain('foundation-model/amazon.nova-sonic-v1:0');
    template.resourceCountIs('AWS::SecretsManager::Secret', 6); // the Twilio token is not created
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Secrets: Match.arrayWith([{ Name: 'TWILIO_AUTH_TOKEN', ValueFrom: twilioArn }]) })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TWILIO_AUTH_TOKEN_SECRET_ARN: twilioArn }) },
    });
  }, 120_000);
});

describe('settings', () => {
  it('applies documented defaults', () => {
    expect(parseSettings({})).toMatchObject({
      stage: 'dev',
      apiAuth: 'api-key',
      natGateways: 2,
      mediaMinTasks: 2,
      drainTimeoutSeconds: 110,
      callsPerTask: 60,
      maxCallsPerTask: 100,
      logRetentionDays: 30,
      tableEncryption: 'aws-managed',
      allowedDestinationPrefixes: '+1',
      secretArns: {},
      environment: {},
    });
  });

  it.each([
    [{ domainName: 'media.example.com' }, /domainName and certificateArn must be given together/],
    [{ certificateArn: CERT }, /domainName and certificateArn/],
    [{ allowedDestinationPrefixes: '1,44' }, /allowedDestinationPrefixes/],
    [{ apiAuth: 'basic' }, /apiAuth/],
    [{ logRetentionDays: '45' }, /logRetentionDays: must be one of/],
    [{ drainTimeoutSeconds: '119' }, /drainTimeoutSeconds/],
    [{ environment: { OPENAI_API_KEY: 'sk-123' } }, /environment\.OPENAI_API_KEY: is a secret/],
    [{ environment: { MEDIA_URL: 'wss://x' } }, /environment\.MEDIA_URL: is set by the stack/],
    [{ secretArns: { TWILIO_AUTH_TOKEN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:partial' } }, /complete secret ARN/],
    [{ completionWebhookUrl: 'http://insecure.example.com' }, /completionWebhookUrl/],
    [{ mediaMinTasks: '5', mediaMaxTasks: '2' }, /mediaMaxTasks/],
    [{ callsPerTask: '100' }, /callsPerTask: must be below maxCallsPerTask/],
  ])('rejects %j', (context, message) => {
    expect(() => parseSettings(context)).toThrow(message);
  });

  it('reports a bad context before building anything', () => {
    expect(() => createApp({ context: { ...SKIP_BUNDLING, natGateways: '3' } })).toThrow(/natGateways/);
  });
});

describe('constructs validate their props', () => {
  const deps = () => {
    const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Test');
    const table = new CallTable(stack, 'Table');
    const events = new CompletionEvents(stack, 'Events');
    const secrets = new AppSecrets(stack, 'Secrets', { names: ['TWILIO_AUTH_TOKEN'] });
    const recordings = new Recordings(stack, 'Recordings', { retentionDays: 30 });
    const orchestration = new CallOrchestration(stack, 'Orchestration', { deliveryRetryBaseSeconds: 30 });
    return { stack, table, events, secrets, recordings, orchestration };
  };

  it('MediaService refuses a drain longer than the stop timeout allows and an unknown NAT count', () => {
    const { stack, table, events } = deps();
    const base = { projectRoot: PROJECT_ROOT, table, eventBus: events.eventBus, secrets: {}, environment: {} };
    expect(() => new MediaService(stack, 'A', { ...base, drainTimeoutSeconds: 118 })).toThrow(/drainTimeoutSeconds/);
    expect(() => new MediaService(stack, 'B', { ...base, natGateways: 3 })).toThrow(/natGateways/);
    expect(() => new MediaService(stack, 'C', { ...base, environment: { MEDIA_URL: 'wss://x' } })).toThrow(/MEDIA_URL/);
    // The heap is sized from the task's memory; an environment cannot lift it past what the task holds.
    expect(() => new MediaService(stack, 'D', { ...base, environment: { NODE_OPTIONS: '--max-old-space-size=16384' } })).toThrow(/NODE_OPTIONS/);
  });

  it('MediaService sizes the heap from the task memory it is given', () => {
    const { stack, table, events } = deps();
    new MediaService(stack, 'Media', { projectRoot: PROJECT_ROOT, table, eventBus: events.eventBus, secrets: {}, environment: {}, memoryLimitMiB: 4096 });
    const [definition] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition')) as Array<{ Properties: { Memory: string; ContainerDefinitions: Array<{ Environment: Array<{ Name: string; Value: string }> }> } }>;
    expect(definition!.Properties.Memory).toBe('4096');
    expect(definition!.Properties.ContainerDefinitions[0]!.Environment).toContainEqual({ Name: 'NODE_OPTIONS', Value: '--max-old-space-size=2048' });
  });

  it('CallApi refuses a base URL with a path and a wired variable in its environment', () => {
    const { stack, table, events, secrets, recordings, orchestration } = deps();
    const base = { projectRoot: PROJECT_ROOT, table, eventBus: events.eventBus, secrets, recordings, orchestration, environment: {} };
    expect(() => new CallApi(stack, 'A', { ...base, baseUrl: 'https://api.example.com/v1' })).toThrow(/baseUrl/);
    expect(() => new CallApi(stack, 'B', { ...base, environment: { API_KEY_SECRET_ARN: 'x' } })).toThrow(/API_KEY_SECRET_ARN/);
  });

  it('CallApi refuses to wire a secret the deployment does not have', () => {
    const { stack, table, events, secrets, recordings, orchestration } = deps();
    expect(
      () => new CallApi(stack, 'A', { projectRoot: PROJECT_ROOT, table, eventBus: events.eventBus, secrets, recordings, orchestration, environment: {} }),
    ).toThrow(/API_KEY is not part of this deployment/);
  });

  it('CompletionEvents refuses a non-https webhook', () => {
    const { stack } = deps();
    expect(() => new CompletionEvents(stack, 'Hook', { webhookUrl: 'http://example.com' })).toThrow(/https/);
  });
});
