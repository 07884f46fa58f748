import { Duration, Size, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RealtimeProvider } from '../../../shared/providers';
import type { CallTable } from '../call-table';
import { grantProviderAccess } from '../provider-access';

/** Port the media service listens on (MEDIA_PORT) and the Dockerfile EXPOSEs. */
export const MEDIA_PORT = 5050;
/** The longest stop timeout Fargate allows; the container drains for less (DRAIN_TIMEOUT_SECONDS). */
export const STOP_TIMEOUT = Duration.seconds(120);

export interface MediaTask {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;
}

/**
 * The ARM64 task definition and its one container, built from media-service/Dockerfile:
 * read-only root with a writable /tmp, an init process that forwards SIGTERM, a
 * non-blocking log driver, secrets as ECS secrets, and a liveness health check.
 */
export function buildMediaTask(
  scope: Construct,
  props: {
    readonly projectRoot: string;
    readonly cpu: number;
    readonly memoryLimitMiB: number;
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: Readonly<Record<string, secretsmanager.ISecret>>;
    readonly logRetention: logs.RetentionDays;
  },
): MediaTask {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: props.logRetention });
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    cpu: props.cpu,
    memoryLimitMiB: props.memoryLimitMiB,
    runtimePlatform: {
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
    volumes: [{ name: 'tmp' }],
  });
  const container = taskDefinition.addContainer('media', {
    containerName: 'media',
    image: ecs.ContainerImage.fromAsset(props.projectRoot, { file: 'media-service/Dockerfile', platform: Platform.LINUX_ARM64 }),
    essential: true,
    portMappings: [{ containerPort: MEDIA_PORT, name: 'media', protocol: ecs.Protocol.TCP }],
    environment: { ...props.environment },
    secrets: Object.fromEntries(
      Object.entries(props.secrets).map(([name, secret]) => [name, ecs.Secret.fromSecretsManager(secret)]),
    ),
    logging: ecs.LogDrivers.awsLogs({
      streamPrefix: 'media',
      logGroup,
      // Never let a slow log pipe stall the event loop that carries live audio.
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    }),
    // SIGTERM, then up to 120 s (the Fargate maximum) for live calls to finish.
    stopTimeout: STOP_TIMEOUT,
    readonlyRootFilesystem: true,
    // An init process as PID 1 forwards SIGTERM to node and reaps children.
    linuxParameters: new ecs.LinuxParameters(scope, 'LinuxParameters', { initProcessEnabled: true }),
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
  container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
  Validations.of(taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason: 'Only non-secret configuration is passed as environment; every secret is an ECS secret from Secrets Manager.',
  });
  return { taskDefinition, container, logGroup };
}

/** The task role reaches only the table, the bus and what its providers need (e.g. Bedrock for Nova Sonic). */
export function grantMediaTask(
  taskDefinition: ecs.FargateTaskDefinition,
  props: {
    readonly table: CallTable;
    readonly eventBus: events.IEventBus;
    readonly providers: readonly RealtimeProvider[];
  },
): void {
  const taskRole = taskDefinition.taskRole;
  props.table.grantReadWrite(taskRole);
  props.eventBus.grantPutEventsTo(taskRole);
  if (taskDefinition.executionRole) {
    Validations.of(taskDefinition.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken (pulling the image) supports no resource-level permission.',
    });
  }
  grantProviderAccess(taskRole, props.providers);
}
