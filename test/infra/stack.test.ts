import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { CfnElement, Validations, type App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/routes';
import { createApp } from '../../infra/app';
import type { FunctionName } from '../../functions/routes';
import { pascal } from '../../infra/names';
import type { CallerEngineStack } from '../../infra/stack';
import {
  actionsOf,
  findCycle,
  managedPoliciesOfRole,
  referencedResources,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  wildcardActions,
  type CfnTemplate,
} from '../support/cfn-template';
import { callTable } from '../../shared/table';

// The default deployment (API key auth, CloudFront TLS), synthesized ONCE with real
// esbuild bundling; every test below reads the same template.
let outdir: string;
let app: App;
let stack: CallerEngineStack;
let template: Template;
let json: CfnTemplate;
const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'caller-engine-infra-'));
  ({ app, stack } = createApp({ outdir }));
  template = Template.fromStack(stack);
  json = template.toJSON() as CfnTemplate;
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const FUNCTIONS: FunctionName[] = ['initiate', 'twiml', 'twiml-fallback', 'call-status', 'get-call', 'cancel-call', 'get-recording', 'recording-status', 'health', 'openapi', 'sweeper', 'dispatch', 'deliver'];

describe('functions', () => {
  it('runs every handler on nodejs22.x / arm64 with an ESM bundle', () => {
    for (const name of FUNCTIONS) {
      const fn = json.Resources[id(stack.api.functions[name])]!;
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
    }
    // and nothing else: the other functions are CDK's custom-resource providers
    // (security-group lookup, default security group lockdown)
    const ours = new Set(FUNCTIONS.map((name) => id(stack.api.functions[name])));
    const others = resourcesOfType(json, 'AWS::Lambda::Function').filter(([logicalId]) => !ours.has(logicalId));
    for (const [logicalId] of others) expect(logicalId).toMatch(/^(AWS679f53fac002430cb0da5b7982bd2287|CustomVpcRestrictDefaultSG)/);
  });

  it('bundles each handler into a minified ESM file with the createRequire banner and a source map', () => {
    for (const name of FUNCTIONS) {
      const code = json.Resources[id(stack.api.functions[name])]!.Properties!.Code as { S3Key: string };
      const dir = path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = path.join(dir, 'index.mjs');
      expect(existsSync(bundle), `${name} bundle`).toBe(true);
      expect(existsSync(`${bundle}.map`), `${name} source map`).toBe(true);
      const text = readFileSync(bundle, 'utf8');
      expect(text.startsWith('import { createRequire as __ceCreateRequire }')).toBe(true);
      expect(text).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\b/);
      expect(statSync(bundle).size).toBeLessThan(20 * 1024 * 1024);
    }
  });

  it('produces bundles Node loads as ES modules exporting a handler function', () => {
    // Loaded by plain Node in a child process (as the Lambda runtime would), not through vitest.
    const urls = FUNCTIONS.map((name) => {
      const code = json.Resources[id(stack.api.functions[name])]!.Properties!.Code as { S3Key: string };
      return pathToFileURL(path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs')).href;
    });
    const script = `for (const url of ${JSON.stringify(urls)}) { const m = await import(url); console.log(typeof m.handler); }`;
    const out = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.trim().split('\n')).toEqual(FUNCTIONS.map(() => 'function'));
  }, 60_000);

  it('sets Powertools, runtime and application environment', () => {
    for (const name of FUNCTIONS) {
      const env = (json.Resources[id(stack.api.functions[name])]!.Properties!.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'caller-engine',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'CallerEngine',
        NODE_OPTIONS: '--enable-source-maps',
        STAGE: 'dev',
        ALLOWED_DESTINATION_PREFIXES: '+1',
        REALTIME_PROVIDER: 'openai',
        API_AUTH: 'api-key',
        TABLE_NAME: { Ref: id(stack.callTable.table) },
        EVENT_BUS_NAME: { Ref: id(stack.completionEvents.eventBus) },
      });
    }
  });

  it('writes each function to its own log group with a retention', () => {
    for (const name of FUNCTIONS) {
      const fn = json.Resources[id(stack.api.functions[name])]!;
      const logGroupId = id(stack.api.logGroups[name]);
      expect(fn.Properties!.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
      expect(json.Resources[logGroupId]!.Properties!.RetentionInDays).toBe(30);
    }
  });

  it('runs the sweeper every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack.api.functions.sweeper), 'Arn'] } })],
    });
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of the contract, without gateway auth in api-key mode', () => {
    const routes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      [
        'GET /calls/{callbackId}',
        'POST /calls/{callbackId}/cancel',
        'GET /calls/{callbackId}/recording',
        'POST /webhooks/recording-status',
        'GET /health',
        'GET /openapi.json',
        'GET /twiml/outbound',
        'POST /call/initiate',
        'POST /twiml/outbound',
        'POST /twiml/fallback',
        'POST /webhooks/call-status',
      ].sort(),
    );
    for (const r of routes) expect(r.AuthorizationType).toBe('NONE');
  });

  it('sends each route of functions/routes.ts to the function of its handler', () => {
    const integrations = Object.fromEntries(resourcesOfType(json, 'AWS::ApiGatewayV2::Integration'));
    const routes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!);
    for (const { method, path: routePath, handler } of API_ROUTES) {
      const route = routes.find((r) => r.RouteKey === `${method} ${routePath}`);
      const integrationId = JSON.stringify(route?.Target).match(/"Ref":"([^"]+)"/)?.[1];
      const uri = integrations[integrationId ?? '']?.Properties?.IntegrationUri;
      expect(JSON.stringify(uri), `${method} ${routePath}`).toContain(`"${id(stack.api.functions[handler])}"`);
    }
    expect(new Set(stack.api.apiFunctions)).toEqual(new Set(API_ROUTES.map((r) => stack.api.functions[r.handler])));
  });

  it('has a $default stage with access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [id(stack.api.accessLogGroup), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });

  it("gives each Twilio webhook route its own throttle, apart from the call API's", () => {
    const [stageId, stage] = resourcesOfType(json, 'AWS::ApiGatewayV2::Stage')[0]!;
    const twilioRoutes = API_ROUTES.filter((r) => r.auth === 'twilio-signature').map((r) => `${r.method} ${r.path}`);
    expect(twilioRoutes).toEqual(expect.arrayContaining(['GET /twiml/outbound', 'POST /twiml/outbound', 'POST /twiml/fallback', 'POST /webhooks/call-status']));
    const settings = stage.Properties!.RouteSettings as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual([...twilioRoutes].sort());
    for (const key of twilioRoutes) expect(settings[key]).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    // a route setting names an existing route, so the stage waits for the routes
    const routeIds = resourcesOfType(json, 'AWS::ApiGatewayV2::Route')
      .filter(([, r]) => twilioRoutes.includes(r.Properties!.RouteKey as string))
      .map(([routeId]) => routeId);
    expect(routeIds).toHaveLength(twilioRoutes.length);
    const dependsOn = [json.Resources[stageId]!.DependsOn ?? []].flat();
    for (const routeId of routeIds) expect(dependsOn, routeId).toContain(routeId);
  });

  it('derives BASE_URL from the API id (no dependency cycle between API and functions)', () => {
    const env = (json.Resources[id(stack.api.functions.twiml)]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.BASE_URL).toEqual({
      'Fn::Join': ['', ['https://', { Ref: id(stack.api.httpApi) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
    });
    expect(findCycle(json)).toBeUndefined();
  });
});

describe('call table', () => {
  it('is built from shared/table.ts: on-demand, PITR, SSE, TTL, sparse open-calls index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: callTable.ttlAttribute, Enabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: callTable.partitionKey, KeyType: 'HASH' },
        { AttributeName: callTable.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: callTable.openCallsIndex.name,
          KeySchema: [
            { AttributeName: callTable.openCallsIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: callTable.openCallsIndex.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: callTable.openCallsIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: callTable.openCallsIndex.sortKey, AttributeType: 'S' },
      ]),
    });
  });

  it('is retained when the stack goes', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('completion events', () => {
  it('has a named custom bus with an archive of caller-engine events', () => {
    const busId = id(stack.completionEvents.eventBus);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'caller-engine-dev' });
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: ['caller-engine'] },
      RetentionDays: 90,
    });
  });

  it('routes Call Completed to an encrypted, TLS-only SQS queue with a dead-letter queue', () => {
    const queueId = id(stack.completionEvents.queue);
    const dlqId = id(stack.completionEvents.deadLetterQueue);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(stack.completionEvents.eventBus) },
      EventPattern: { source: ['caller-engine'], 'detail-type': ['Call Completed'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        }),
      ],
    });
    expect(json.Resources[queueId]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(json.Resources[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    for (const queue of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('has no API destination unless completionWebhookUrl is given', () => {
    template.resourceCountIs('AWS::Events::ApiDestination', 0);
  });
});

describe('media service', () => {
  it('runs ARM64 Fargate tasks with a 120 s stop timeout, read-only root and an init process', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'media',
          StopTimeout: 120,
          ReadonlyRootFilesystem: true,
          LinuxParameters: { InitProcessEnabled: true },
          PortMappings: [Match.objectLike({ ContainerPort: 5050 })],
          HealthCheck: Match.objectLike({ Command: Match.arrayWith(['CMD', 'node']) }),
        }),
      ],
    });
  });

  it('builds the image from media-service/Dockerfile with the repository root as context', () => {
    const assets = JSON.parse(readFileSync(path.join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
    };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source).toMatchObject({ dockerFile: 'media-service/Dockerfile', platform: 'linux/arm64' });
    const context = path.join(outdir, images[0]!.source.directory);
    expect(existsSync(path.join(context, 'package-lock.json'))).toBe(true);
    expect(existsSync(path.join(context, 'shared'))).toBe(true);
    expect(existsSync(path.join(context, 'media-service', 'Dockerfile'))).toBe(true);
    for (const excluded of ['node_modules', 'infra', 'test', 'local', '.local', '.git', 'cdk.out', 'functions']) {
      expect(existsSync(path.join(context, excluded)), `${excluded} is not in the Docker context`).toBe(false);
    }
  });

  it('enables Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('fronts the tasks with an internal ALB: idle timeout 4000 s, /health check, deregistration delay of the longest call', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '4000' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 5050,
      TargetType: 'ip',
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      // a deploy or scale-in waits this long for a live call to end (the ALB maximum)
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '3600' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  it('terminates TLS in CloudFront, reaching the ALB through a VPC origin with all viewer headers', () => {
    const albId = id(stack.media.loadBalancer);
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({ Arn: { Ref: albId }, HTTPPort: 80, OriginProtocolPolicy: 'http-only' }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ VpcOriginConfig: Match.objectLike({ VpcOriginId: Match.anyValue() }) })],
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
          OriginRequestPolicyId: '216adef6-5c7f-47e4-b989-5492eafa07d3', // Managed-AllViewer
        }),
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    template.resourceCountIs('Custom::AWS', 1); // lookup of CloudFront-VPCOrigins-Service-SG
  });

  it('forwards only /media-stream/* and /health to the ALB, with the origin timeouts raised', () => {
    const [, distribution] = resourcesOfType(json, 'AWS::CloudFront::Distribution')[0]!;
    const config = distribution.Properties!.DistributionConfig as {
      CacheBehaviors: { PathPattern: string; TargetOriginId: string }[];
      DefaultCacheBehavior: { FunctionAssociations: { EventType: string; FunctionARN: unknown }[] };
      Origins: { VpcOriginConfig: Record<string, unknown> }[];
    };
    expect(config.CacheBehaviors.map((b) => b.PathPattern).sort()).toEqual(['/health', '/media-stream/*']);
    // everything else is answered 404 at the edge
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([expect.objectContaining({ EventType: 'viewer-request' })]);
    const [, fn] = resourcesOfType(json, 'AWS::CloudFront::Function')[0]!;
    expect(fn.Properties!.FunctionCode).toContain('statusCode: 404');
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0]!.VpcOriginConfig).toMatchObject({ OriginReadTimeout: 120, OriginKeepaliveTimeout: 120 });
  });

  it('lets the tasks out on tcp/443 only', () => {
    const taskSg = json.Resources[id(stack.media.service.connections.securityGroups[0]!)]!;
    expect(taskSg.Properties!.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
    const extraEgress = resourcesOfType(json, 'AWS::EC2::SecurityGroupEgress').filter(
      ([, r]) => JSON.stringify(r.Properties!.GroupId).includes(id(stack.media.service.connections.securityGroups[0]!)),
    );
    expect(extraEgress).toEqual([]);
  });

  it('lets nothing but the VPC origin reach the ALB', () => {
    const albSgId = id(stack.media.loadBalancer.connections.securityGroups[0]!);
    const ingress = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties!)
      .filter((p) => (p.GroupId as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] === albSgId);
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ FromPort: 80, ToPort: 80, SourceSecurityGroupId: { 'Fn::GetAtt': [id(stack.media.node.findChild('VpcOriginSecurityGroup')), 'SecurityGroups.0.GroupId'] } });
    expect(JSON.stringify(json.Resources[albSgId]!.Properties)).not.toContain('0.0.0.0/0');
  });

  it('gives the functions and the task the same wss:// MEDIA_URL and the task the API BASE_URL', () => {
    const mediaUrl = { 'Fn::Join': ['', ['wss://', { 'Fn::GetAtt': [id(stack.media.distribution!), 'DomainName'] }]] };
    for (const name of FUNCTIONS) {
      const env = (json.Resources[id(stack.api.functions[name])]!.Properties!.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(env.MEDIA_URL).toEqual(mediaUrl);
    }
    const [, taskDef] = resourcesOfType(json, 'AWS::ECS::TaskDefinition')[0]!;
    const env = Object.fromEntries(
      ((taskDef.Properties!.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[])[0]!.Environment).map(
        (e) => [e.Name, e.Value],
      ),
    );
    expect(env).toMatchObject({
      MEDIA_URL: mediaUrl,
      MEDIA_PORT: '5050',
      DRAIN_TIMEOUT_SECONDS: '110',
      MAX_CALLS_PER_TASK: '100',
      POWERTOOLS_SERVICE_NAME: 'caller-engine-media',
      BASE_URL: expect.anything(),
    });
    expect(JSON.stringify(env.BASE_URL)).toContain(id(stack.api.httpApi));
  });

  it('runs the media service without Node source maps (its names kept in the bundle instead) and with its heap sized to the task', () => {
    // Enabled, Node would hold the whole bundle's map in every task's memory (docs/benchmarks.md, peak
    // RSS); the map stays in the image for reading a stack trace's positions offline.
    const [, taskDef] = resourcesOfType(json, 'AWS::ECS::TaskDefinition')[0]!;
    const [container] = taskDef.Properties!.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[];
    const nodeOptions = container!.Environment.find((e) => e.Name === 'NODE_OPTIONS')?.Value;
    expect(nodeOptions).not.toContain('--enable-source-maps');
    // The heap is sized from the task's memory, not from whatever host memory V8 sees.
    expect(nodeOptions).toBe(`--max-old-space-size=${Number(taskDef.Properties!.Memory) / 2}`);
    const dockerfile = readFileSync(new URL('../../media-service/Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).not.toMatch(/NODE_OPTIONS=.*--enable-source-maps/);
    expect(dockerfile).toMatch(/--keep-names/);
  });

  it('scales on CPU and on ActiveCalls per task, well before the per-task cap', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        CustomizedMetricSpecification: Match.objectLike({
          Namespace: 'CallerEngine',
          MetricName: 'ActiveCalls',
          Dimensions: [{ Name: 'service', Value: 'caller-engine-media' }],
        }),
        TargetValue: 60, // of MAX_CALLS_PER_TASK 100
      }),
    });
  });

  it('runs at least two tasks across the two AZs behind one NAT gateway per AZ', () => {
    // autoscaling owns the task count (a deployment must not reset it)
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });
});

describe('secrets', () => {
  const SECRETS = ['API_KEY', 'TWILIO_AUTH_TOKEN', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'ELEVENLABS_API_KEY', 'GOOGLE_PRIVATE_KEY', 'WEBHOOK_SIGNING_SECRET'] as const;

  it('creates one generated secret per secret variable and never a value in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', SECRETS.length);
    for (const [, secret] of resourcesOfType(json, 'AWS::SecretsManager::Secret')) {
      expect(secret.Properties!.GenerateSecretString).toBeDefined();
      expect(secret.Properties!.SecretString).toBeUndefined();
    }
  });

  it('hands the functions only *_SECRET_ARN references, never a secret variable', () => {
    for (const name of FUNCTIONS) {
      const env = (json.Resources[id(stack.api.functions[name])]!.Properties!.Environment as { Variables: Record<string, unknown> })
        .Variables;
      for (const secret of SECRETS) expect(env[secret], `${name} ${secret}`).toBeUndefined();
      for (const [key, value] of Object.entries(env)) {
        if (key.endsWith('_SECRET_ARN')) expect(value).toEqual({ Ref: id(stack.secrets.secret(key.replace(/_SECRET_ARN$/, '') as never)) });
      }
    }
    const envOf = (name: FunctionName) =>
      Object.keys((json.Resources[id(stack.api.functions[name])]!.Properties!.Environment as { Variables: object }).Variables).filter((k) =>
        k.endsWith('_SECRET_ARN'),
      );
    expect(envOf('initiate').sort()).toEqual(['API_KEY_SECRET_ARN', 'TWILIO_AUTH_TOKEN_SECRET_ARN']);
    expect(envOf('twiml')).toEqual(['TWILIO_AUTH_TOKEN_SECRET_ARN']);
    expect(envOf('call-status')).toEqual(['TWILIO_AUTH_TOKEN_SECRET_ARN']);
    expect(envOf('get-call')).toEqual(['API_KEY_SECRET_ARN']);
    expect(envOf('health')).toEqual([]);
    expect(envOf('sweeper')).toEqual(['TWILIO_AUTH_TOKEN_SECRET_ARN']);
  });

  it('injects the task secrets as ECS secrets (not the API key), and no secret as environment', () => {
    const [, taskDef] = resourcesOfType(json, 'AWS::ECS::TaskDefinition')[0]!;
    const container = (taskDef.Properties!.ContainerDefinitions as {
      Secrets: { Name: string; ValueFrom: unknown }[];
      Environment: { Name: string }[];
    }[])[0]!;
    expect(container.Secrets.map((s) => s.Name).sort()).toEqual(
      ['TWILIO_AUTH_TOKEN', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'ELEVENLABS_API_KEY', 'GOOGLE_PRIVATE_KEY', 'WEBHOOK_SIGNING_SECRET'].sort(),
    );
    for (const s of container.Secrets) expect(s.ValueFrom).toEqual({ Ref: id(stack.secrets.secret(s.Name as never)) });
    for (const e of container.Environment) expect(SECRETS as readonly string[]).not.toContain(e.Name);
  });
});

describe('least privilege', () => {
  const secretId = (name: string) => id(stack.secrets.secret(name as never));
  const fnStatements = (name: FunctionName) => statementsOfRole(json, roleOfFunction(json, id(stack.api.functions[name])));

  it('gives no function a managed policy or a wildcard action', () => {
    for (const name of FUNCTIONS) {
      const role = roleOfFunction(json, id(stack.api.functions[name]));
      expect(managedPoliciesOfRole(json, role), name).toEqual([]);
      expect(wildcardActions(statementsOfRole(json, role)), name).toEqual([]);
    }
  });

  it('lets each function read only the secrets it needs', () => {
    const expected: Record<FunctionName, string[]> = {
      initiate: ['API_KEY', 'TWILIO_AUTH_TOKEN'],
      twiml: ['TWILIO_AUTH_TOKEN'],
      'twiml-fallback': ['TWILIO_AUTH_TOKEN'],
      'call-status': ['TWILIO_AUTH_TOKEN'],
      'get-call': ['API_KEY'],
      'cancel-call': ['API_KEY', 'TWILIO_AUTH_TOKEN'],
      'get-recording': ['API_KEY'],
      'recording-status': ['TWILIO_AUTH_TOKEN'],
      health: [],
      openapi: [],
      sweeper: ['TWILIO_AUTH_TOKEN'],
      dispatch: ['TWILIO_AUTH_TOKEN'],
      deliver: ['WEBHOOK_SIGNING_SECRET'],
    };
    for (const name of FUNCTIONS) {
      const reached = referencedResources(fnStatements(name), 'secretsmanager:');
      expect([...reached].sort(), name).toEqual(expected[name].map(secretId).sort());
    }
    expect(referencedResources(fnStatements('twiml'), 'secretsmanager:')).not.toContain(secretId('API_KEY'));
  });

  it('lets only the completing functions put events, and only on the completion bus', () => {
    const busId = id(stack.completionEvents.eventBus);
    for (const name of FUNCTIONS) {
      const statements = fnStatements(name);
      const puts = actionsOf(statements).includes('events:PutEvents');
      expect(puts, name).toBe(['call-status', 'cancel-call', 'recording-status', 'sweeper', 'dispatch'].includes(name));
      if (puts) expect([...referencedResources(statements, 'events:')]).toEqual([busId]);
    }
  });

  it('scopes table access to the call table and its open-calls index; get-call and the fallback only read; health and openapi have none', () => {
    const tableId = id(stack.callTable.table);
    for (const name of FUNCTIONS) {
      const statements = fnStatements(name);
      const reached = referencedResources(statements, 'dynamodb:');
      const untouched = ['health', 'openapi'].includes(name);
      expect([...reached], name).toEqual(untouched ? [] : [tableId]);
      const writes = actionsOf(statements).filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a));
      expect(writes.length > 0, name).toBe(!['get-call', 'get-recording', 'health', 'openapi', 'twiml-fallback', 'deliver'].includes(name));
      expect(actionsOf(statements), name).not.toContain('dynamodb:Scan');
    }
    for (const name of ['health', 'openapi'] as const) {
      expect(actionsOf(fnStatements(name)).sort(), name).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    }
  });

  it('keeps the task role to the table and the bus (no ECS API: tasks need no scale-in protection)', () => {
    const taskRole = id(stack.media.taskDefinition.taskRole);
    const statements = statementsOfRole(json, taskRole);
    expect(managedPoliciesOfRole(json, taskRole)).toEqual([]);
    expect(wildcardActions(statements)).toEqual([]);
    expect(actionsOf(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    expect([...referencedResources(statements, 'dynamodb:')]).toEqual([id(stack.callTable.table)]);
    expect([...referencedResources(statements, 'events:')]).toEqual([id(stack.completionEvents.eventBus)]);
    expect(actionsOf(statements).filter((a) => a.startsWith('ecs:'))).toEqual([]);
    expect(actionsOf(statements).filter((a) => a.startsWith('bedrock:'))).toEqual([]);
  });

  it('lets the execution role read exactly the task secrets (not the API key)', () => {
    const execRole = id(stack.media.taskDefinition.executionRole!);
    const reached = referencedResources(statementsOfRole(json, execRole), 'secretsmanager:');
    expect([...reached].sort()).toEqual(
      ['TWILIO_AUTH_TOKEN', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'ELEVENLABS_API_KEY', 'GOOGLE_PRIVATE_KEY', 'WEBHOOK_SIGNING_SECRET'].map(secretId).sort(),
    );
  });
});

describe('operations', () => {
  it('alarms on API 5xx, every function, the DLQ, unhealthy targets and no healthy task, into the encrypted topic', () => {
    const topicId = id(stack.operations.alarmTopic);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    const metric = (ns: string, name: string) => alarms.filter((a) => a.Namespace === ns && a.MetricName === name);
    expect(metric('AWS/ApiGateway', '5xx')).toHaveLength(1);
    expect(metric('AWS/Lambda', 'Errors')).toHaveLength(FUNCTIONS.length);
    expect(metric('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toHaveLength(3); // completion, delivery and schedule dead-letter queues
    expect(metric('AWS/ApplicationELB', 'UnHealthyHostCount')).toHaveLength(1);
    expect(metric('AWS/ApplicationELB', 'HealthyHostCount')).toEqual([
      expect.objectContaining({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching' }),
    ]);
  });

  it('alarms on failed calls, drain cuts, the cap, ALB and CloudFront 5xx, throttles, a stalled sweeper and signature refusals', () => {
    const alarm = (name: string) => json.Resources[id(stack.operations.alarms[name]!)]!;
    const props = (name: string) => alarm(name).Properties!;
    const mathOf = (name: string) => (props(name).Metrics as { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[]);
    expect(mathOf('MediaCallsFailedRate').find((m) => m.Expression)!.Expression).toBe('IF(started >= 5, 100 * failed / started, 0)');
    expect(props('MediaCallsFailedRate')).toMatchObject({ Threshold: 10, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(props('MediaCallsCutByDrain')).toMatchObject({ Namespace: 'CallerEngine', MetricName: 'CallsCutByDrain', Threshold: 1 });
    expect(props('MediaTasksAtCap')).toMatchObject({ Namespace: 'CallerEngine', MetricName: 'CallsRefusedAtCap', Threshold: 1 });
    expect(props('MediaLoadBalancer5xx')).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_ELB_5XX_Count' });
    expect(props('MediaCloudFront5xx')).toMatchObject({ Namespace: 'AWS/CloudFront', MetricName: '5xxErrorRate', Threshold: 5 });
    expect(alarm('MediaCloudFront5xx').Condition, 'CloudFront metrics exist only in us-east-1').toBeDefined();
    for (const name of FUNCTIONS) {
      expect(props(`${pascal(name)}Throttles`), name).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1 });
    }
    expect(Object.keys(stack.api.functions).sort()).toEqual([...FUNCTIONS].sort());
    expect(props('SweeperStalled')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(mathOf('SignatureRefusalSpike').map((m) => m.MetricStat?.Metric.MetricName).filter(Boolean).sort()).toEqual([
      'StreamSignatureRefusals',
      'WebhookSignatureRefusals',
    ]);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.code = "invalid_signature" }',
      MetricTransformations: [Match.objectLike({ MetricNamespace: 'CallerEngine', MetricName: 'WebhookSignatureRefusals' })],
    });
  });

  it('rolls a media deployment back when a deployment alarm fires, besides the circuit breaker', () => {
    const [, service] = resourcesOfType(json, 'AWS::ECS::Service')[0]!;
    const deployment = service.Properties!.DeploymentConfiguration as {
      DeploymentCircuitBreaker: unknown;
      Alarms: { Enable: boolean; Rollback: boolean; AlarmNames: unknown[] };
    };
    expect(deployment.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(deployment.Alarms).toMatchObject({ Enable: true, Rollback: true });
    const names = ['MediaUnhealthyTargets', 'MediaCallsFailedRate', 'MediaLoadBalancer5xx'];
    expect(deployment.Alarms.AlarmNames).toEqual(names.map((name) => `${stack.stackName}-${name}`));
    for (const name of names) {
      const alarmId = id(stack.operations.alarms[name]!);
      expect(json.Resources[alarmId]!.Properties!.AlarmName, name).toBe(`${stack.stackName}-${name}`);
      expect(service.DependsOn, name).toContain(alarmId);
    }
    const cycleWarnings = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('circular dependency'));
    expect(cycleWarnings.map((w) => w.entry.data)).toEqual([]);
  });

  it('has a dashboard of the metrics the application emits, and none it does not', () => {
    const [, dashboard] = resourcesOfType(json, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const metric of ['CallsStarted', 'CallsCompleted', 'CallsFailed', 'ActiveCalls', 'BridgeLatencyMs', 'EventLoopLagMs', 'CallsRefusedAtCap', 'CallsCutByDrain']) {
      expect(body).toContain(metric);
    }
    expect(body).not.toContain('ModelLatencyMs');
  });
});

describe('stack', () => {
  it('exports the outputs consumers need', () => {
    for (const output of ['ApiUrl', 'MediaUrl', 'EventBusName', 'EventBusArn', 'TableName', 'ApiKeySecretArn']) {
      template.hasOutput(output, {});
    }
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement explained', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    // cdk-nag 3 reports through CDK's policy-validation plugins rather than annotations:
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName)).toEqual([]);
    const reasons = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.values(m.data as Record<string, { reason?: string } | string>));
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) expect(typeof r === 'string' ? r : r.reason ?? '').toMatch(/\w{3,}.{20,}/);
  });
});
