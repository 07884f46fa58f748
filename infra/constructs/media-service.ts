import { Aws, type CfnElement, Duration, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { logBucketDefaults } from '../defaults';
import type { CallTable } from './call-table';

/** Port the media service listens on (MEDIA_PORT) and the Dockerfile EXPOSEs. */
export const MEDIA_PORT = 5050;
/** The longest stop timeout Fargate allows; the container drains for less (DRAIN_TIMEOUT_SECONDS). */
export const STOP_TIMEOUT = Duration.seconds(120);
/** Construct id of the AwsCustomResource provider singleton (fixed by aws-cdk-lib). */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';
/** Metric namespace of the application's EMF metrics. */
export const METRICS_NAMESPACE = 'CallerEngine';

/** How Twilio reaches the media WebSocket over TLS. */
export type MediaTls =
  /** A CloudFront distribution (default *.cloudfront.net certificate) in front of the internal ALB through a VPC origin. */
  | { readonly kind: 'cloudfront' }
  /** An internet-facing ALB with an HTTPS listener for your own host name (point its DNS at `loadBalancer`). */
  | { readonly kind: 'alb'; readonly domainName: string; readonly certificateArn: string };

export interface MediaServiceProps {
  /** Repository root: the Docker build context (filtered by the root `.dockerignore`). */
  readonly projectRoot: string;
  /**
   * Dockerfile path relative to `projectRoot`.
   * @default 'media-service/Dockerfile'
   */
  readonly dockerfile?: string;
  /** The call table (read/write: stream tokens, call state, transcript turns). */
  readonly table: CallTable;
  /** The completion-event bus (the media side may be the one that completes a call). */
  readonly eventBus: events.IEventBus;
  /** Secrets injected as ECS secrets, by variable name (resolved by the execution role at task start). */
  readonly secrets: Readonly<Record<string, secretsmanager.ISecret>>;
  /** Non-secret environment (STAGE, TABLE_NAME, EVENT_BUS_NAME, …). MEDIA_URL, MEDIA_PORT and DRAIN_TIMEOUT_SECONDS are set here. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * TLS front door for wss://.
   * @default { kind: 'cloudfront' }
   */
  readonly tls?: MediaTls;
  /**
   * NAT gateways for the tasks' egress to Twilio and the model vendors: 2 = one per AZ
   * (an AZ outage never cuts the other AZ's calls), 1 = one shared (cheaper, single-AZ
   * egress), 0 = no NAT, tasks run in public subnets with public IPs (cheapest; inbound is
   * still limited to the load balancer by the task security group).
   * @default 2
   */
  readonly natGateways?: number;
  /** @default 1024 */
  readonly cpu?: number;
  /** @default 2048 */
  readonly memoryLimitMiB?: number;
  /** @default 2 */
  readonly minTasks?: number;
  /** @default 10 */
  readonly maxTasks?: number;
  /**
   * Target of the ActiveCalls-per-task tracking policy.
   * @default 20
   */
  readonly callsPerTask?: number;
  /** @default 60 */
  readonly cpuTargetPercent?: number;
  /**
   * DRAIN_TIMEOUT_SECONDS; must leave a margin below the 120 s stop timeout.
   * @default 110
   */
  readonly drainTimeoutSeconds?: number;
  /**
   * POWERTOOLS_SERVICE_NAME of the container, also the `service` dimension of its metrics.
   * @default 'caller-engine-media'
   */
  readonly serviceName?: string;
  /**
   * Allow the task to open Amazon Nova Sonic bidirectional streams on Bedrock.
   * @default false
   */
  readonly enableNovaSonic?: boolean;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The media service: a VPC, an ECS cluster with Container Insights, and an ARM64 Fargate
 * service built from `media-service/Dockerfile` that holds the long-lived Twilio media
 * WebSockets. An ALB (idle timeout 4000 s, health check `/health`) fronts it; TLS for
 * wss:// comes from CloudFront (VPC origin to the internal ALB) or, with your own domain,
 * from an HTTPS listener on an internet-facing ALB. Tasks scale on CPU and on ActiveCalls,
 * may protect themselves from scale-in while calls are live, and drain on SIGTERM.
 */
export class MediaService extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: ecs.Cluster;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly service: ecs.FargateService;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly listener: elbv2.ApplicationListener;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The CloudFront distribution (TLS kind `cloudfront` only). */
  public readonly distribution?: cloudfront.Distribution;
  /** Bucket receiving the ALB's and CloudFront's access logs. */
  public readonly accessLogBucket: s3.Bucket;
  /** Log group of the container. */
  public readonly logGroup: logs.LogGroup;
  /** Public host name Twilio connects to. */
  public readonly publicHostName: string;
  /** `wss://<publicHostName>`: what the functions and the task get as MEDIA_URL. */
  public readonly mediaUrl: string;
  /** The service's `service` metric dimension. */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: MediaServiceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const tls = props.tls ?? { kind: 'cloudfront' };
    const natGateways = props.natGateways ?? 2;
    const drainTimeoutSeconds = props.drainTimeoutSeconds ?? 110;
    const minTasks = props.minTasks ?? 2;
    const maxTasks = props.maxTasks ?? 10;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.serviceName = props.serviceName ?? 'caller-engine-media';

    // validate
    if (![0, 1, 2].includes(natGateways)) throw new Error(`MediaService: natGateways must be 0, 1 or 2, got ${natGateways}`);
    if (drainTimeoutSeconds < 0 || drainTimeoutSeconds > STOP_TIMEOUT.toSeconds() - 5) {
      throw new Error(`MediaService: drainTimeoutSeconds must be between 0 and ${STOP_TIMEOUT.toSeconds() - 5}, got ${drainTimeoutSeconds}`);
    }
    if (minTasks < 1 || maxTasks < minTasks) throw new Error(`MediaService: need 1 <= minTasks (${minTasks}) <= maxTasks (${maxTasks})`);
    if (tls.kind === 'alb' && !/^arn:aws[a-z-]*:acm:/.test(tls.certificateArn)) {
      throw new Error(`MediaService: certificateArn must be an ACM certificate ARN, got "${tls.certificateArn}"`);
    }
    for (const key of ['MEDIA_URL', 'MEDIA_PORT', 'DRAIN_TIMEOUT_SECONDS']) {
      if (key in props.environment) throw new Error(`MediaService: environment must not set ${key}; the construct wires it`);
    }

    // build: network. Two AZs. The tasks need egress to Twilio and the model vendors; see
    // `natGateways` above and infra/README.md ("NAT choice"). A DynamoDB gateway endpoint
    // keeps call-state traffic off the NAT (free, and lower latency).
    const privateSubnets: ec2.SubnetSelection =
      natGateways > 0 ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', { retention: logRetention });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        natGateways > 0
          ? { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }
          : { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
      ],
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', logBucketDefaults());
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access-log destination itself; logging it to another bucket would only recurse.',
    });

    // build: load balancer. Idle timeout 4000 s (the ALB maximum) so a quiet WebSocket is never cut.
    const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 'Caller Engine media ALB',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: tls.kind === 'alb',
      vpcSubnets: tls.kind === 'alb' ? { subnetType: ec2.SubnetType.PUBLIC } : privateSubnets,
      securityGroup: albSecurityGroup,
      idleTimeout: Duration.seconds(4000),
      dropInvalidHeaderFields: true,
      http2Enabled: true,
    });
    if (Token.isUnresolved(stack.region)) {
      // ELB log delivery needs the region's ELB account in the bucket policy.
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions-ELB2',
        reason: 'Environment-agnostic synth: ALB access logging is enabled automatically when the stack has a concrete region (context region or CDK_DEFAULT_REGION).',
      });
    } else {
      this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');
    }

    // build: task
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetention });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? 1024,
      memoryLimitMiB: props.memoryLimitMiB ?? 2048,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [{ name: 'tmp' }],
    });

    let publicHostName: string;
    if (tls.kind === 'cloudfront') {
      this.distribution = new cloudfront.Distribution(this, 'Distribution', {
        comment: 'Caller Engine media WebSocket (wss://)',
        defaultBehavior: {
          // CloudFront reaches the internal ALB over the AWS network (VPC origin, plain HTTP on
          // port 80 inside the VPC); viewers must use TLS.
          origin: origins.VpcOrigin.withApplicationLoadBalancer(this.loadBalancer, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            httpPort: 80,
            readTimeout: Duration.seconds(60),
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // Every viewer header reaches the origin: X-Twilio-Signature, Upgrade/Connection, Host.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
          compress: false,
        },
        // Twilio's media edges are on several continents: serve from the nearest edge.
        priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
        enableLogging: true,
        logBucket: this.accessLogBucket,
        logFilePrefix: 'cloudfront/',
      });
      Validations.of(this.distribution).acknowledge(
        {
          id: 'AwsSolutions-CFR4',
          reason: 'Uses the default *.cloudfront.net certificate, whose minimum protocol cannot be raised; give context domainName+certificateArn for your own TLS policy.',
        },
        {
          id: 'AwsSolutions-CFR1',
          reason: 'Twilio connects from its media edges worldwide; geo restriction would drop calls.',
        },
        {
          id: 'AwsSolutions-CFR2',
          reason: 'The only traffic is Twilio media WebSockets, each authenticated by X-Twilio-Signature and a single-use stream token; a WAF web ACL can be attached later.',
        },
      );
      publicHostName = this.distribution.distributionDomainName;

      // Only CloudFront's VPC-origin ENIs may reach the internal ALB. Their security group
      // (CloudFront-VPCOrigins-Service-SG) is created by CloudFront with the VPC origin and
      // CloudFormation does not expose its id, so it is looked up once the distribution exists.
      const lookup = new cr.AwsCustomResource(this, 'VpcOriginSecurityGroup', {
        onUpdate: {
          service: 'EC2',
          action: 'describeSecurityGroups',
          parameters: {
            Filters: [
              { Name: 'vpc-id', Values: [this.vpc.vpcId] },
              { Name: 'group-name', Values: ['CloudFront-VPCOrigins-Service-SG'] },
            ],
          },
          physicalResourceId: cr.PhysicalResourceId.of(`${this.node.addr}-vpc-origin-sg`),
          outputPaths: ['SecurityGroups.0.GroupId'],
        },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] }),
        ]),
        installLatestAwsSdk: false,
        logGroup: new logs.LogGroup(this, 'VpcOriginSecurityGroupLogs', { retention: logRetention }),
      });
      lookup.node.addDependency(this.distribution);
      const vpcOriginSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
        this,
        'VpcOriginSecurityGroupRef',
        lookup.getResponseField('SecurityGroups.0.GroupId'),
        { mutable: false },
      );
      albSecurityGroup.addIngressRule(vpcOriginSecurityGroup, ec2.Port.tcp(80), 'CloudFront VPC origin');
      Validations.of(lookup).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ec2:DescribeSecurityGroups supports no resource-level permissions; the call is read-only.',
      });
      // The AwsCustomResource provider is a stack-level singleton.
      const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
      if (provider) {
        Validations.of(provider).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'CDK-managed provider of the one-off security-group lookup; the managed policy only lets it write its logs.',
        });
      }
    } else {
      publicHostName = tls.domainName;
    }
    this.publicHostName = publicHostName;
    this.mediaUrl = `wss://${publicHostName}`;

    this.container = this.taskDefinition.addContainer('media', {
      containerName: 'media',
      image: ecs.ContainerImage.fromAsset(props.projectRoot, {
        file: props.dockerfile ?? 'media-service/Dockerfile',
        platform: Platform.LINUX_ARM64,
      }),
      essential: true,
      portMappings: [{ containerPort: MEDIA_PORT, name: 'media', protocol: ecs.Protocol.TCP }],
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        MEDIA_URL: this.mediaUrl,
        MEDIA_PORT: String(MEDIA_PORT),
        DRAIN_TIMEOUT_SECONDS: String(drainTimeoutSeconds),
        AWS_REGION: stack.region,
        NODE_OPTIONS: '--enable-source-maps',
      },
      secrets: Object.fromEntries(
        Object.entries(props.secrets).map(([name, secret]) => [name, ecs.Secret.fromSecretsManager(secret)]),
      ),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'media',
        logGroup: this.logGroup,
        // Never let a slow log pipe stall the event loop that carries live audio.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      // SIGTERM, then up to 120 s (the Fargate maximum) for live calls to finish.
      stopTimeout: STOP_TIMEOUT,
      readonlyRootFilesystem: true,
      // An init process as PID 1 forwards SIGTERM to node and reaps children.
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${MEDIA_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
    });
    this.container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'Only non-secret configuration is passed as environment; every secret is an ECS secret from Secrets Manager.',
    });

    // build: service
    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Caller Engine media tasks (inbound only from the ALB)',
      allowAllOutbound: true, // Twilio, model vendors and AWS APIs on changing addresses
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: autoscaling owns it (minTasks..maxTasks), so a deployment never
      // resets a scaled-out service back to the minimum.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      vpcSubnets: natGateways > 0 ? privateSubnets : { subnetType: ec2.SubnetType.PUBLIC },
      assignPublicIp: natGateways === 0,
      securityGroups: [taskSecurityGroup],
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    // wire: load balancing. When a task stops, ECS deregisters it and waits for the
    // deregistration delay before SIGTERM; the ALB keeps existing WebSockets during that
    // delay and sends no new ones. Tasks with live calls are additionally protected from
    // scale-in by ECS task scale-in protection (media-service/ecs-task-protection.ts).
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: MEDIA_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: STOP_TIMEOUT,
      healthCheck: {
        path: '/health',
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      targets: [this.service.loadBalancerTarget({ containerName: 'media', containerPort: MEDIA_PORT })],
    });

    if (tls.kind === 'alb') {
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(tls.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: true,
      });
      Validations.of(albSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'Public wss:// endpoint for Twilio Media Streams, whose source addresses are not a fixed list; every connection is authenticated by X-Twilio-Signature and a single-use stream token.',
      });
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [this.targetGroup],
        open: false, // only the CloudFront VPC origin (ingress rule above)
      });
    }

    // grant: the task role reaches only the table, the bus and its own cluster's task protection.
    const taskRole = this.taskDefinition.taskRole;
    props.table.grantReadWrite(taskRole);
    props.eventBus.grantPutEventsTo(taskRole);
    const taskProtection = new iam.PolicyStatement({
      sid: 'OwnTaskScaleInProtection',
      actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
      // A task's id is only known at run time; scoped to tasks of this cluster.
      // (pseudo parameters on purpose: the ARN reads the same in every environment)
      resources: [`arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${this.cluster.clusterName}/*`],
    });
    taskRole.addToPrincipalPolicy(taskProtection);
    Validations.of(taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${stack.getLogicalId(this.cluster.node.defaultChild as CfnElement)}>/*]`,
      reason: 'Task scale-in protection of its own task: the task id exists only at run time, so the resource is every task of this cluster.',
    });
    if (this.taskDefinition.executionRole) {
      Validations.of(this.taskDefinition.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken (pulling the image) supports no resource-level permission.',
      });
    }
    if (props.enableNovaSonic) {
      taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'NovaSonic',
          actions: ['bedrock:InvokeModelWithBidirectionalStream'],
          resources: ['amazon.nova-sonic-v1:0', 'amazon.nova-2-sonic-v1:0'].map((model) =>
            stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: model }),
          ),
        }),
      );
    }

    // wire: autoscaling on CPU and on live calls per task.
    const scaling = this.service.autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.cpuTargetPercent ?? 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    scaling.scaleToTrackCustomMetric('ActiveCalls', {
      metric: this.metricActiveCalls('Average'),
      targetValue: props.callsPerTask ?? 20,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
  }

  /** The media service's ActiveCalls gauge (EMF, namespace CallerEngine, dimension service). */
  public metricActiveCalls(statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'ActiveCalls',
      dimensionsMap: { service: this.serviceName },
      statistic,
      period,
    });
  }

  /** Adds a non-secret variable to the container (e.g. BASE_URL once the API exists). */
  public addEnvironment(name: string, value: string): void {
    this.container.addEnvironment(name, value);
  }
}
