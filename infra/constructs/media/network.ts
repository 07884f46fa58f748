import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface MediaNetwork {
  readonly vpc: ec2.Vpc;
  /** Where an internal ALB and (with NAT) the tasks live. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Where the tasks run: private with NAT, public (with public IPs) without. */
  readonly taskSubnets: ec2.SubnetSelection;
}

/**
 * Two AZs with flow logs. The tasks need egress to Twilio and the model vendors: with NAT
 * gateways they run in private subnets, without them in public subnets (see infra/README.md,
 * "NAT choice"). A DynamoDB gateway endpoint keeps call-state traffic off the NAT.
 */
export function buildMediaNetwork(
  scope: Construct,
  props: { readonly natGateways: number; readonly logRetention: logs.RetentionDays },
): MediaNetwork {
  const { natGateways } = props;
  const privateSubnets: ec2.SubnetSelection =
    natGateways > 0 ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  const flowLogGroup = new logs.LogGroup(scope, 'FlowLogs', { retention: props.logRetention });
  const vpc = new ec2.Vpc(scope, 'Vpc', {
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
  vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
  return {
    vpc,
    privateSubnets,
    taskSubnets: natGateways > 0 ? privateSubnets : { subnetType: ec2.SubnetType.PUBLIC },
  };
}
