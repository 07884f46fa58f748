import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { callTable } from '../../shared/table';
import { tableDefaults } from '../defaults';
import type { TableEncryptionMode } from '../settings';

/** Item actions of a read-write user (TransactWriteItems needs no action of its own). No Scan: every read is keyed or indexed. */
const READ_WRITE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DescribeTable',
];
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
/** Key actions DynamoDB performs for a writer, spelled out (no `GenerateDataKey*` / `ReEncrypt*` wildcards). */
const KEY_WRITE_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:DescribeKey',
];
const KEY_READ_ACTIONS = ['kms:Decrypt'];

export interface CallTableProps {
  /**
   * How the table is encrypted at rest. `customer-managed` creates a KMS key with
   * yearly rotation that only this table's users are granted.
   * @default 'aws-managed'
   */
  readonly encryption?: TableEncryptionMode;
}

/**
 * The call-state table, built from the key schema in `shared/table.ts` that the
 * embedded stack uses too: `pk`/`sk` strings, an epoch-seconds TTL attribute and the
 * sparse `open-calls` index the sweeper queries. On-demand, PITR, encrypted, retained.
 */
export class CallTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.Table;
  /** The customer managed key, when `encryption` is `customer-managed`. */
  public readonly encryptionKey?: kms.Key;
  /** Name of the sparse index of calls not yet completed. */
  public readonly openCallsIndexName: string = callTable.openCallsIndex.name;

  constructor(scope: Construct, id: string, props: CallTableProps = {}) {
    super(scope, id);

    // build
    if (props.encryption === 'customer-managed') {
      this.encryptionKey = new kms.Key(this, 'Key', {
        description: 'Caller Engine call table',
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.table = new dynamodb.Table(this, 'Table', {
      ...tableDefaults(),
      partitionKey: { name: callTable.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: callTable.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: callTable.ttlAttribute,
      ...(this.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.encryptionKey }
        : {}),
    });

    this.table.addGlobalSecondaryIndex({
      indexName: callTable.openCallsIndex.name,
      partitionKey: { name: callTable.openCallsIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: callTable.openCallsIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** ARN of the `open-calls` index (the only index; granted by name, not with `index/*`). */
  public get openCallsIndexArn(): string {
    return `${this.table.tableArn}/index/${this.openCallsIndexName}`;
  }

  /** Item reads and writes on the table, Query on the open-calls index (and the key, when a CMK is used). */
  public grantReadWrite(grantee: iam.IGrantable): void {
    this.grant(grantee, READ_WRITE_ACTIONS);
    this.encryptionKey?.grant(grantee, ...KEY_WRITE_ACTIONS);
  }

  /** Item reads on the table and Query on the open-calls index. */
  public grantRead(grantee: iam.IGrantable): void {
    this.grant(grantee, READ_ACTIONS);
    this.encryptionKey?.grant(grantee, ...KEY_READ_ACTIONS);
  }

  private grant(grantee: iam.IGrantable, actions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.openCallsIndexArn] });
  }
}
