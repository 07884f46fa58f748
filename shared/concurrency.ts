import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The item that holds the account's live calls; `$` cannot start a callbackId, so no call collides with it. */
const SLOTS_KEY = { pk: '$account', sk: 'concurrency' };

/**
 * The account-wide cap on calls in flight (MAX_CONCURRENT_CALLS). One item holds the set
 * of callbackIds that hold a slot: taking one is a single conditional `ADD` (atomic, and
 * idempotent per call), giving it back a `DELETE` from the set (idempotent too), so the
 * count never drifts however often either is repeated. The set keeps the count exact at
 * the price of item size: a cap of 1,000 calls with 128-character ids stays under 140 KB.
 */
export class ConcurrencyLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** 0 means no cap: every acquire succeeds without touching the table. */
    readonly max: number,
  ) {}

  get enabled(): boolean {
    return this.max > 0;
  }

  /** Takes a slot for the call; true when it now holds one (or already did), false at the cap. */
  async acquire(callbackId: string): Promise<boolean> {
    if (!this.enabled) return true;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: SLOTS_KEY,
          UpdateExpression: 'ADD holders :ids',
          ConditionExpression: 'attribute_not_exists(holders) OR size(holders) < :max OR contains(holders, :id)',
          ExpressionAttributeValues: { ':ids': new Set([callbackId]), ':max': this.max, ':id': callbackId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives the call's slot back; nothing happens when it holds none. */
  async release(callbackId: string): Promise<void> {
    if (!this.enabled) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: SLOTS_KEY,
        UpdateExpression: 'DELETE holders :ids',
        ExpressionAttributeValues: { ':ids': new Set([callbackId]) },
      }),
    );
  }

  /** The calls holding a slot now. */
  async holders(): Promise<string[]> {
    if (!this.enabled) return [];
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: SLOTS_KEY, ConsistentRead: true }));
    return [...((Item?.holders as Set<string> | undefined) ?? [])];
  }
}
