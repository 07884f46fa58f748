import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** CloudFront's origin response timeout: the most the default quota allows. */
export const ORIGIN_READ_TIMEOUT = Duration.seconds(120);
/** How long CloudFront keeps an idle origin connection: within the default quota. */
export const ORIGIN_KEEPALIVE_TIMEOUT = Duration.seconds(120);
/** Construct id of the AwsCustomResource provider singleton (fixed by aws-cdk-lib). */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * TLS for wss:// from CloudFront's default certificate: the distribution reaches the
 * internal ALB through a VPC origin, and only CloudFront's VPC-origin ENIs may reach the ALB.
 */
export function buildMediaDistribution(
  scope: Construct,
  props: {
    readonly vpc: ec2.IVpc;
    readonly loadBalancer: elbv2.ApplicationLoadBalancer;
    readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
    readonly accessLogBucket: s3.IBucket;
    readonly logRetention: logs.RetentionDays;
  },
): cloudfront.Distribution {
  // CloudFront reaches the internal ALB over the AWS network (VPC origin, plain HTTP on port 80
  // inside the VPC); viewers must use TLS. The timeouts are the highest the default quotas allow:
  // with the service's 20 s WebSocket pings a quiet call never comes near them.
  const origin = origins.VpcOrigin.withApplicationLoadBalancer(props.loadBalancer, {
    protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
    httpPort: 80,
    readTimeout: ORIGIN_READ_TIMEOUT,
    keepaliveTimeout: ORIGIN_KEEPALIVE_TIMEOUT,
  });
  const toMediaService: cloudfront.BehaviorOptions = {
    origin,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
    // Every viewer header reaches the origin: X-Twilio-Signature, Upgrade/Connection, Host.
    originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
    compress: false,
  };
  const distribution = new cloudfront.Distribution(scope, 'Distribution', {
    comment: 'Caller Engine media WebSocket (wss://)',
    // Only the stream path and the health probe reach the tasks; anything else ends at the edge.
    defaultBehavior: {
      ...toMediaService,
      functionAssociations: [
        {
          eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
          function: new cloudfront.Function(scope, 'NotFoundAtEdge', {
            comment: 'Answers 404 for every path the media service does not serve',
            runtime: cloudfront.FunctionRuntime.JS_2_0,
            code: cloudfront.FunctionCode.fromInline(
              "function handler() { return { statusCode: 404, statusDescription: 'Not Found' }; }",
            ),
          }),
        },
      ],
    },
    additionalBehaviors: { '/media-stream/*': toMediaService, '/health': toMediaService },
    // Twilio's media edges are on several continents: serve from the nearest edge.
    priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
    enableLogging: true,
    logBucket: props.accessLogBucket,
    logFilePrefix: 'cloudfront/',
  });
  Validations.of(distribution).acknowledge(
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
  admitOnlyVpcOrigin(scope, { ...props, distribution });
  return distribution;
}

/**
 * Lets only CloudFront's VPC-origin ENIs reach the ALB. Their security group
 * (CloudFront-VPCOrigins-Service-SG) is created by CloudFront with the VPC origin and
 * CloudFormation does not expose its id, so it is looked up once the distribution exists.
 */
function admitOnlyVpcOrigin(
  scope: Construct,
  props: {
    readonly vpc: ec2.IVpc;
    readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
    readonly distribution: cloudfront.Distribution;
    readonly logRetention: logs.RetentionDays;
  },
): void {
  const lookup = new cr.AwsCustomResource(scope, 'VpcOriginSecurityGroup', {
    onUpdate: {
      service: 'EC2',
      action: 'describeSecurityGroups',
      parameters: {
        Filters: [
          { Name: 'vpc-id', Values: [props.vpc.vpcId] },
          { Name: 'group-name', Values: ['CloudFront-VPCOrigins-Service-SG'] },
        ],
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${scope.node.addr}-vpc-origin-sg`),
      outputPaths: ['SecurityGroups.0.GroupId'],
    },
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] }),
    ]),
    installLatestAwsSdk: false,
    logGroup: new logs.LogGroup(scope, 'VpcOriginSecurityGroupLogs', { retention: props.logRetention }),
  });
  lookup.node.addDependency(props.distribution);
  const vpcOriginSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
    scope,
    'VpcOriginSecurityGroupRef',
    lookup.getResponseField('SecurityGroups.0.GroupId'),
    { mutable: false },
  );
  props.loadBalancerSecurityGroup.addIngressRule(vpcOriginSecurityGroup, ec2.Port.tcp(80), 'CloudFront VPC origin');
  Validations.of(lookup).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ec2:DescribeSecurityGroups supports no resource-level permissions; the call is read-only.',
  });
  // The AwsCustomResource provider is a stack-level singleton.
  const provider = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
  if (provider) {
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-managed provider of the one-off security-group lookup; the managed policy only lets it write its logs.',
    });
  }
}
