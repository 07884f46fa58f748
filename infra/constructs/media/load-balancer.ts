import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { MEDIA_PORT } from './task';

/** How Twilio reaches the media WebSocket over TLS. */
export type MediaTls =
  /** A CloudFront distribution (default *.cloudfront.net certificate) in front of the internal ALB through a VPC origin. */
  | { readonly kind: 'cloudfront' }
  /** An internet-facing ALB with an HTTPS listener for your own host name (point its DNS at `loadBalancer`). */
  | { readonly kind: 'alb'; readonly domainName: string; readonly certificateArn: string };

/**
 * The ALB in front of the tasks. Idle timeout 4000 s (the ALB maximum) so a quiet
 * WebSocket is never cut. Internet-facing only when it terminates TLS itself (own domain);
 * behind CloudFront it is internal and admits only the VPC origin (see cloudfront.ts).
 */
export function buildMediaLoadBalancer(
  scope: Construct,
  props: {
    readonly vpc: ec2.IVpc;
    readonly tls: MediaTls;
    readonly subnets: ec2.SubnetSelection;
    readonly accessLogBucket: s3.IBucket;
  },
): { loadBalancer: elbv2.ApplicationLoadBalancer; securityGroup: ec2.SecurityGroup } {
  const securityGroup = new ec2.SecurityGroup(scope, 'LoadBalancerSecurityGroup', {
    vpc: props.vpc,
    description: 'Caller Engine media ALB',
    allowAllOutbound: false,
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc: props.vpc,
    internetFacing: props.tls.kind === 'alb',
    vpcSubnets: props.tls.kind === 'alb' ? { subnetType: ec2.SubnetType.PUBLIC } : props.subnets,
    securityGroup,
    idleTimeout: Duration.seconds(4000),
    dropInvalidHeaderFields: true,
    http2Enabled: true,
  });
  if (Token.isUnresolved(Stack.of(scope).region)) {
    // ELB log delivery needs the region's ELB account in the bucket policy.
    Validations.of(loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'Environment-agnostic synth: ALB access logging is enabled automatically when the stack has a concrete region (context region or CDK_DEFAULT_REGION).',
    });
  } else {
    loadBalancer.logAccessLogs(props.accessLogBucket, 'alb');
  }
  return { loadBalancer, securityGroup };
}

/**
 * The target group of the service's tasks and the listener that forwards to it: HTTPS on
 * 443 with your certificate (own domain), or HTTP on 80 for the CloudFront VPC origin.
 */
export function attachMediaTargets(
  scope: Construct,
  props: {
    readonly vpc: ec2.IVpc;
    readonly tls: MediaTls;
    readonly loadBalancer: elbv2.ApplicationLoadBalancer;
    readonly securityGroup: ec2.SecurityGroup;
    readonly service: ecs.FargateService;
    readonly deregistrationDelay: Duration;
  },
): { targetGroup: elbv2.ApplicationTargetGroup; listener: elbv2.ApplicationListener } {
  const targetGroup = new elbv2.ApplicationTargetGroup(scope, 'TargetGroup', {
    vpc: props.vpc,
    port: MEDIA_PORT,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    deregistrationDelay: props.deregistrationDelay,
    healthCheck: {
      path: '/health',
      healthyHttpCodes: '200',
      interval: Duration.seconds(10),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 2,
    },
    targets: [props.service.loadBalancerTarget({ containerName: 'media', containerPort: MEDIA_PORT })],
  });

  const { tls } = props;
  if (tls.kind === 'alb') {
    const listener = props.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(tls.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultTargetGroups: [targetGroup],
      open: true,
    });
    Validations.of(props.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Public wss:// endpoint for Twilio Media Streams, whose source addresses are not a fixed list; every connection is authenticated by X-Twilio-Signature and a single-use stream token.',
    });
    return { targetGroup, listener };
  }
  const listener = props.loadBalancer.addListener('Http', {
    port: 80,
    protocol: elbv2.ApplicationProtocol.HTTP,
    defaultTargetGroups: [targetGroup],
    open: false, // only the CloudFront VPC origin (cloudfront.ts)
  });
  return { targetGroup, listener };
}
