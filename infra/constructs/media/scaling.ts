import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';

/** Target tracking on average CPU and on average live calls per task. */
export function scaleMediaService(
  service: ecs.FargateService,
  props: {
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly cpuTargetPercent: number;
    readonly callsPerTask: number;
    readonly activeCalls: cloudwatch.IMetric;
  },
): void {
  const scaling = service.autoScaleTaskCount({ minCapacity: props.minTasks, maxCapacity: props.maxTasks });
  scaling.scaleOnCpuUtilization('Cpu', {
    targetUtilizationPercent: props.cpuTargetPercent,
    scaleOutCooldown: Duration.seconds(60),
    scaleInCooldown: Duration.minutes(5),
  });
  scaling.scaleToTrackCustomMetric('ActiveCalls', {
    metric: props.activeCalls,
    targetValue: props.callsPerTask,
    scaleOutCooldown: Duration.seconds(60),
    scaleInCooldown: Duration.minutes(5),
  });
}
