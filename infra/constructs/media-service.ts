import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { LONGEST_CALL_SECONDS } from '../../shared/call-limits';
import { logBucketDefaults } from '../defaults';
import type { CallTable } from './call-table';
import { buildMediaDistribution } from './media/cloudfront';
import { attachMediaTargets, buildMediaLoadBalancer, type MediaTls } from './media/load-balancer';
import { buildMediaNetwork } from './media/network';
import { DEFAULT_MEDIA_TASK, mediaNodeOptions } from './media/node-options';
import { scaleMediaService } from './media/scaling';
import { buildMediaTask, grantMediaTask, MEDIA_PORT, STOP_TIMEOUT } from './media/task';
import type { RealtimeProvider } from '../../shared/providers';

export { MEDIA_PORT, STOP_TIMEOUT, type MediaTls };
/** Metric namespace of the application's EMF metrics. */
export const METRICS_NAMESPACE = 'CallerEngine';
const MEDIA_SERVICE_NAME = 'caller-engine-media';

export interface MediaServiceProps {
  /** Repository root: the Docker build context (filtered by the root `.dockerignore`). */
  readonly projectRoot: string;
  /** The call table (read/write: stream tokens, call state, transcript turns). */
  readonly table: CallTable;
  /** The completion-event bus (the media side may be the one that completes a call). */
  readonly eventBus: events.IEventBus;
  /** Secrets injected as ECS secrets, by variable name (resolved by the execution role at task start). */
  readonly secrets: Readonly<Record<string, secretsmanager.ISecret>>;
  /** Non-secret environment (STAGE, TABLE_NAME, EVENT_BUS_NAME, …). MEDIA_URL, MEDIA_PORT, DRAIN_TIMEOUT_SECONDS, MAX_CALLS_PER_TASK and NODE_OPTIONS are set here. */
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
   * Target of the ActiveCalls-per-task tracking policy; below `maxCallsPerTask`.
   * @default 60
   */
  readonly callsPerTask?: number;
  /**
   * MAX_CALLS_PER_TASK: above it a task refuses new streams with 503.
   * @default 100
   */
  readonly maxCallsPerTask?: number;
  /** @default 60 */
  readonly cpuTargetPercent?: number;
  /**
   * DRAIN_TIMEOUT_SECONDS; must leave a margin below the 120 s stop timeout.
   * @default 110
   */
  readonly drainTimeoutSeconds?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  /**
   * The realtime providers calls may use; the task role gets what each one's descriptor declares (e.g. Bedrock for Nova Sonic).
   * @default []
   */
  readonly providers?: readonly RealtimeProvider[];
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
  /** The container's POWERTOOLS_SERVICE_NAME, also the `service` dimension of its metrics. */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: MediaServiceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const tls = props.tls ?? { kind: 'cloudfront' };
    const natGateways = props.natGateways ?? 2;
    const drainTimeoutSeconds = props.drainTimeoutSeconds ?? 110;
    const minTasks = props.minTasks ?? 2;
    const maxTasks = props.maxTasks ?? 10;
    const maxCallsPerTask = props.maxCallsPerTask ?? 100;
    const callsPerTask = props.callsPerTask ?? 60;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.serviceName = MEDIA_SERVICE_NAME;

    // validate
    if (![0, 1, 2].includes(natGateways)) throw new Error(`MediaService: natGateways must be 0, 1 or 2, got ${natGateways}`);
    if (drainTimeoutSeconds < 0 || drainTimeoutSeconds > STOP_TIMEOUT.toSeconds() - 5) {
      throw new Error(`MediaService: drainTimeoutSeconds must be between 0 and ${STOP_TIMEOUT.toSeconds() - 5}, got ${drainTimeoutSeconds}`);
    }
    if (callsPerTask >= maxCallsPerTask) {
      throw new Error(`MediaService: callsPerTask (${callsPerTask}) must be below maxCallsPerTask (${maxCallsPerTask})`);
    }
    if (minTasks < 1 || maxTasks < minTasks) throw new Error(`MediaService: need 1 <= minTasks (${minTasks}) <= maxTasks (${maxTasks})`);
    if (tls.kind === 'alb' && !/^arn:aws[a-z-]*:acm:/.test(tls.certificateArn)) {
      throw new Error(`MediaService: certificateArn must be an ACM certificate ARN, got "${tls.certificateArn}"`);
    }
    for (const key of ['MEDIA_URL', 'MEDIA_PORT', 'DRAIN_TIMEOUT_SECONDS', 'MAX_CALLS_PER_TASK', 'NODE_OPTIONS']) {
      if (key in props.environment) throw new Error(`MediaService: environment must not set ${key}; the construct wires it`);
    }

    // build: network, cluster, access logs, front door
    const network = buildMediaNetwork(this, { natGateways, logRetention });
    this.vpc = network.vpc;
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', logBucketDefaults());
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access-log destination itself; logging it to another bucket would only recurse.',
    });
    const front = buildMediaLoadBalancer(this, {
      vpc: this.vpc,
      tls,
      subnets: network.privateSubnets,
      accessLogBucket: this.accessLogBucket,
    });
    this.loadBalancer = front.loadBalancer;
    if (tls.kind === 'cloudfront') {
      this.distribution = buildMediaDistribution(this, {
        vpc: this.vpc,
        loadBalancer: this.loadBalancer,
        loadBalancerSecurityGroup: front.securityGroup,
        accessLogBucket: this.accessLogBucket,
        logRetention,
      });
      this.publicHostName = this.distribution.distributionDomainName;
    } else {
      this.publicHostName = tls.domainName;
    }
    this.mediaUrl = `wss://${this.publicHostName}`;

    // build: task
    const memoryLimitMiB = props.memoryLimitMiB ?? DEFAULT_MEDIA_TASK.memoryLimitMiB;
    const task = buildMediaTask(this, {
      projectRoot: props.projectRoot,
      cpu: props.cpu ?? DEFAULT_MEDIA_TASK.cpu,
      memoryLimitMiB,
      environment: {
        ...props.environment,
        NODE_OPTIONS: mediaNodeOptions(memoryLimitMiB),
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        MEDIA_URL: this.mediaUrl,
        MEDIA_PORT: String(MEDIA_PORT),
        DRAIN_TIMEOUT_SECONDS: String(drainTimeoutSeconds),
        MAX_CALLS_PER_TASK: String(maxCallsPerTask),
        AWS_REGION: stack.region,
      },
      secrets: props.secrets,
      logRetention,
    });
    this.taskDefinition = task.taskDefinition;
    this.container = task.container;
    this.logGroup = task.logGroup;

    // build: service
    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Caller Engine media tasks (inbound only from the ALB)',
      allowAllOutbound: false,
    });
    // Twilio, the model vendors and the AWS APIs are all HTTPS/WSS on changing addresses; DNS
    // goes to the VPC resolver, which security groups do not filter.
    taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS and WSS to Twilio, model vendors and AWS APIs');
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: autoscaling owns it (minTasks..maxTasks), so a deployment never
      // resets a scaled-out service back to the minimum.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      vpcSubnets: network.taskSubnets,
      assignPublicIp: natGateways === 0,
      securityGroups: [taskSecurityGroup],
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    // wire: load balancing. Before ECS stops a task (deploy, scale-in) it deregisters it and
    // waits until the target is unused: the ALB sends it no new streams and keeps the live
    // ones until they close or the deregistration delay ends; only then comes SIGTERM. The
    // delay is the longest call, so no call is cut (infra/README.md, "Deploys and scale-in").
    const targets = attachMediaTargets(this, {
      vpc: this.vpc,
      tls,
      loadBalancer: this.loadBalancer,
      securityGroup: front.securityGroup,
      service: this.service,
      deregistrationDelay: Duration.seconds(LONGEST_CALL_SECONDS),
    });
    this.targetGroup = targets.targetGroup;
    this.listener = targets.listener;

    // grant, scale
    grantMediaTask(this.taskDefinition, {
      table: props.table,
      eventBus: props.eventBus,
      providers: props.providers ?? [],
    });
    scaleMediaService(this.service, {
      minTasks,
      maxTasks,
      cpuTargetPercent: props.cpuTargetPercent ?? 60,
      callsPerTask,
      activeCalls: this.metricActiveCalls('Average'),
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
