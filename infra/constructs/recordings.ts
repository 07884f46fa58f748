import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';

/** Where call recordings are kept: the prefix every grant is limited to. */
export const RECORDINGS_PREFIX = 'recordings/';

export interface RecordingsProps {
  /** Days a recording is kept before S3 deletes it. */
  readonly retentionDays: number;
}

/**
 * The bucket call recordings are copied into: encrypted with a customer managed KMS key
 * (SSE-KMS, rotated yearly), no public access, TLS only, every object expired after
 * `retentionDays`. Functions get exactly one of "write a recording" or "read a recording".
 */
export class Recordings extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: RecordingsProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new Error(`Recordings: retentionDays must be a whole number of days >= 1, got ${props.retentionDays}`);
    }
    this.key = new kms.Key(this, 'Key', {
      description: 'Caller Engine call recordings',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-recordings', expiration: Duration.days(props.retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Objects are written only by the recording function and read only through short-lived presigned links the API logs; CloudTrail data events can be enabled per deployment.',
    });
  }

  /** May put recordings (and nothing else) into the bucket. */
  grantWrite(grantee: iam.IGrantable & IConstruct): void {
    this.grantObjects(grantee, 's3:PutObject');
    this.key.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /** May read recordings (to sign links to them) and nothing else. */
  grantRead(grantee: iam.IGrantable & IConstruct): void {
    this.grantObjects(grantee, 's3:GetObject');
    this.key.grant(grantee, 'kms:Decrypt');
  }

  private grantObjects(grantee: iam.IGrantable & IConstruct, action: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [action], resources: [this.bucket.arnForObjects(`${RECORDINGS_PREFIX}*`)] }),
    );
    const stack = Stack.of(this);
    const bucketId = stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)) as string;
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${RECORDINGS_PREFIX}*]`,
      reason: 'One object per call recording under the recordings/ prefix; object keys are not known in advance.',
    });
  }
}
