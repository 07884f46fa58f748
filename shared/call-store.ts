import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, paginateQuery, paginateScan, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { awsClientOptions } from './aws';
import type { Config } from './config';
import {
  callRecordSchema,
  toolCallRecordSchema,
  transcriptTurnSchema,
  type CallDetails,
  type CallRecord,
  type Mutation,
  type ToolCallRecord,
  type TranscriptTurn,
} from './call-record';
import { callTable } from './table';

const CALL_SK = 'call';
const TURN_PREFIX = 'turn#';
const TOOL_PREFIX = 'tool#';
const OPEN_SHARD = 'open';
const MAX_MUTATE_ATTEMPTS = 8;
/** DynamoDB's limit of keys in one BatchGetItem. */
const MAX_BATCH_GET_KEYS = 100;
/** DynamoDB's limit of items in one BatchWriteItem. */
export const MAX_BATCH_WRITE_ITEMS = 25;
/** Items a BatchWriteItem left unprocessed (throttling) are sent again this many times, with backoff. */
const MAX_UNPROCESSED_RETRIES = 8;

export interface CallStoreSettings {
  tableName: string;
  retentionDays: number;
  /** How long after its expected end a call is left alone before the sweeper looks at it. */
  sweepAfterSeconds: number;
  defaultMaxDurationSeconds: number;
}

export class CallWriteConflictError extends Error {
  override readonly name = 'CallWriteConflictError';
}

/** The SDK client for the call table; points at the embedded engine when DYNAMODB_ENDPOINT is set. */
export function createDynamoClient(c: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...awsClientOptions(c.AWS_REGION, c.DYNAMODB_ENDPOINT),
    // Rides out a DynamoDB blip of several seconds: 10 attempts, exponential backoff with jitter (≈ 20 s in all).
    retryStrategy: new ConfiguredRetryStrategy(10, (attempt) => Math.min(4_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2)),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function callStoreSettings(c: Config): CallStoreSettings {
  return {
    tableName: c.TABLE_NAME,
    retentionDays: c.CALL_RETENTION_DAYS,
    sweepAfterSeconds: c.SWEEP_AFTER_SECONDS,
    defaultMaxDurationSeconds: c.MAX_CALL_DURATION_SECONDS,
  };
}

/**
 * Call state in one DynamoDB table. Every change to a call item is a read, a pure
 * function of what was read, and a write conditioned on the version read: concurrent
 * writers (status callbacks, the media service, the sweeper) never overwrite each other.
 */
export class CallStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly settings: CallStoreSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes a new call; false when the callbackId is already taken. */
  async create(call: CallRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: this.toItem(call),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(callbackId: string): Promise<CallRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.settings.tableName, Key: { pk: callbackId, sk: CALL_SK }, ConsistentRead: true }),
    );
    return Item ? callRecordSchema.parse(Item) : undefined;
  }

  /**
   * The cancels asked for on these calls, by callbackId: eventually consistent reads of only the
   * `cancel` attribute, a hundred calls per request, for the media service's watch of its live
   * calls. A call the table did not get to this time is simply absent (it is read again next time).
   */
  async cancelsOf(callbackIds: readonly string[]): Promise<Map<string, NonNullable<CallRecord['cancel']>>> {
    const cancels = new Map<string, NonNullable<CallRecord['cancel']>>();
    for (let at = 0; at < callbackIds.length; at += MAX_BATCH_GET_KEYS) {
      const keys = callbackIds.slice(at, at + MAX_BATCH_GET_KEYS).map((pk) => ({ pk, sk: CALL_SK }));
      const { Responses } = await this.db.send(
        new BatchGetCommand({
          RequestItems: {
            [this.settings.tableName]: { Keys: keys, ProjectionExpression: 'pk, #cancel', ExpressionAttributeNames: { '#cancel': 'cancel' } },
          },
        }),
      );
      for (const item of Responses?.[this.settings.tableName] ?? []) {
        const cancel = callRecordSchema.shape.cancel.parse(item.cancel);
        if (cancel && typeof item.pk === 'string') cancels.set(item.pk, cancel);
      }
    }
    return cancels;
  }

  /** The call with its transcript turns and tool calls, in order. */
  async details(callbackId: string): Promise<CallDetails | undefined> {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.db },
      { TableName: this.settings.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': callbackId }, ConsistentRead: true },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    const callItem = items.find((item) => item.sk === CALL_SK);
    if (!callItem) return undefined;
    const bySk = (prefix: string) => items.filter((item) => String(item.sk).startsWith(prefix));
    return {
      call: callRecordSchema.parse(callItem),
      transcript: bySk(TURN_PREFIX).map((item) => transcriptTurnSchema.parse(item)),
      toolCalls: bySk(TOOL_PREFIX).map((item) => toolCallRecordSchema.parse(item)),
    };
  }

  /**
   * Applies `change` to the current call and writes the result if nothing else wrote in
   * between (retrying on conflict). `change` returns undefined to leave the call as it is.
   * Resolves to the call as stored afterwards and whether this call changed it, or
   * undefined when there is no such call. `known`, the call as just read, saves the first read
   * (if it is no longer current, the conditional write fails and the call is read again).
   */
  async mutate(
    callbackId: string,
    change: (call: CallRecord) => Mutation,
    known?: CallRecord,
  ): Promise<{ call: CallRecord; changed: boolean } | undefined> {
    for (let attempt = 0; attempt < MAX_MUTATE_ATTEMPTS; attempt++) {
      const current = attempt === 0 && known?.callbackId === callbackId ? known : await this.get(callbackId);
      if (!current) return undefined;
      const patch = change(current);
      if (!patch) return { call: current, changed: false };
      const next: CallRecord = {
        ...current,
        ...patch,
        version: current.version + 1,
        updatedAt: this.now().toISOString(),
      };
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: this.toItem(next),
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': current.version },
          }),
        );
        return { call: next, changed: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new CallWriteConflictError(`Call ${callbackId} kept changing; gave up after ${MAX_MUTATE_ATTEMPTS} attempts`);
  }

  /** Persists one finished transcript turn; `sequence` orders turns within the call. */
  async appendTurn(callbackId: string, sequence: number, turn: TranscriptTurn): Promise<void> {
    await this.putChild(callbackId, `${TURN_PREFIX}${pad(sequence)}`, turn);
  }

  /**
   * Transcript turns of any calls, twenty-five per request (the media service writes the turns of
   * all its calls together). Resolves once every turn is stored; rejects if some could not be.
   */
  async appendTurns(turns: ReadonlyArray<{ callbackId: string; sequence: number; turn: TranscriptTurn }>): Promise<void> {
    const table = this.settings.tableName;
    for (let at = 0; at < turns.length; at += MAX_BATCH_WRITE_ITEMS) {
      let requests: Array<{ PutRequest: { Item: Record<string, unknown> } }> = turns.slice(at, at + MAX_BATCH_WRITE_ITEMS).map(({ callbackId, sequence, turn }) => ({
        PutRequest: { Item: this.childItem(callbackId, `${TURN_PREFIX}${pad(sequence)}`, turn) },
      }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > MAX_UNPROCESSED_RETRIES) throw new Error(`${requests.length} transcript turns left unprocessed by the table`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2)));
        const { UnprocessedItems } = await this.db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  }

  async appendToolCall(callbackId: string, sequence: number, toolCall: ToolCallRecord): Promise<void> {
    await this.putChild(callbackId, `${TOOL_PREFIX}${pad(sequence)}`, toolCall);
  }

  /** Calls the sweeper should look at now: open calls whose `sweepAt` has passed. */
  async dueForSweep(limit = 100): Promise<CallRecord[]> {
    const index = callTable.openCallsIndex;
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.settings.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#shard = :open AND #sweepAt <= :now',
        ExpressionAttributeNames: { '#shard': index.partitionKey, '#sweepAt': index.sortKey },
        ExpressionAttributeValues: { ':open': OPEN_SHARD, ':now': this.now().toISOString() },
        Limit: limit,
      }),
    );
    return Items.map((item) => callRecordSchema.parse(item));
  }

  /**
   * The newest calls, newest first. A Scan of the whole table: only for the local dev console
   * (a few hundred items in dynalite); a deployed listing would need a GSI by creation time.
   */
  async recent(limit = 50): Promise<CallRecord[]> {
    const calls: CallRecord[] = [];
    const pages = paginateScan(
      { client: this.db },
      { TableName: this.settings.tableName, FilterExpression: 'sk = :call', ExpressionAttributeValues: { ':call': CALL_SK } },
    );
    for await (const page of pages) calls.push(...(page.Items ?? []).map((item) => callRecordSchema.parse(item)));
    return calls.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }

  private async putChild(callbackId: string, sk: string, value: object): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.settings.tableName,
        Item: this.childItem(callbackId, sk, value),
      }),
    );
  }

  /** A turn or tool call stored under its call, expiring with it. */
  private childItem(callbackId: string, sk: string, value: object): Record<string, unknown> {
    return { ...value, pk: callbackId, sk, [callTable.ttlAttribute]: this.expiresAt() };
  }

  private toItem(call: CallRecord): Record<string, unknown> {
    const open = !call.completion?.publishedAt;
    return {
      ...call,
      pk: call.callbackId,
      sk: CALL_SK,
      [callTable.ttlAttribute]: this.expiresAt(),
      ...(open ? { openShard: OPEN_SHARD, sweepAt: this.sweepAt(call) } : {}),
    };
  }

  /** When the sweeper should first look at a call that is still open. */
  private sweepAt(call: CallRecord): string {
    const grace = this.settings.sweepAfterSeconds;
    const maxDuration = call.request.maxDurationSeconds ?? this.settings.defaultMaxDurationSeconds;
    const from = call.completion
      ? Date.parse(call.completion.claimedAt)
      : call.endedAt
        ? Date.parse(call.endedAt)
        : Date.parse(call.scheduledFor ?? call.createdAt) + maxDuration * 1000;
    return new Date(from + grace * 1000).toISOString();
  }

  private expiresAt(): number {
    return Math.floor(this.now().getTime() / 1000) + this.settings.retentionDays * 86_400;
  }
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}
