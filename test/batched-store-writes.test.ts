import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamo';
import { CallStore, createDynamoClient } from '../shared/call-store';
import { CancelWatch } from '../media-service/bridge/cancel-watch';
import { TurnWriter } from '../media-service/transcript/turn-writer';

const TABLE = 'batched-writes';
let dynamo: LocalDynamo;
let db: ReturnType<typeof createDynamoClient>;
const settings = { tableName: TABLE, retentionDays: 1, sweepAfterSeconds: 60, defaultMaxDurationSeconds: 600 };

/** The table's own store, counting the batched requests it is asked for. */
class CountingStore extends CallStore {
  turnBatches = 0;
  cancelReads = 0;
  override async appendTurns(...args: Parameters<CallStore['appendTurns']>): Promise<void> {
    this.turnBatches++;
    return super.appendTurns(...args);
  }
  override async cancelsOf(...args: Parameters<CallStore['cancelsOf']>): ReturnType<CallStore['cancelsOf']> {
    this.cancelReads++;
    return super.cancelsOf(...args);
  }
}

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
  db = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
});
afterAll(async () => {
  await dynamo?.close();
});

const storedTurns = async (callbackId: string) => {
  const { Items = [] } = await db.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': callbackId }, ConsistentRead: true }));
  return Items.filter((item) => String(item.sk).startsWith('turn#')).map((item) => item.text);
};

describe('transcript turns of all calls, written together', () => {
  it('stores every turn of every call, in order, twenty-five to a request', async () => {
    const store = new CountingStore(db, settings);
    const writer = new TurnWriter(store);
    const calls = ['batch-a', 'batch-b', 'batch-c'];
    const at = new Date().toISOString();
    await Promise.all(calls.flatMap((callbackId) => Array.from({ length: 20 }, (_, i) => writer.write(callbackId, i + 1, { role: i % 2 ? 'user' : 'assistant', text: `${callbackId} ${i + 1}`, at }))));
    for (const callbackId of calls) expect(await storedTurns(callbackId)).toEqual(Array.from({ length: 20 }, (_, i) => `${callbackId} ${i + 1}`));
    expect(store.turnBatches).toBe(3);
  });

  it('a turn alone is written within a moment, not held for company', async () => {
    const writer = new TurnWriter(new CallStore(db, settings));
    await writer.write('batch-alone', 1, { role: 'user', text: 'Hello?', at: new Date().toISOString() });
    expect(await storedTurns('batch-alone')).toEqual(['Hello?']);
  });

  it('a write the table refuses rejects every turn of its batch', async () => {
    const writer = new TurnWriter(new CallStore(db, { ...settings, tableName: 'no-such-table' }));
    await expect(writer.write('batch-lost', 1, { role: 'user', text: 'Lost', at: new Date().toISOString() })).rejects.toThrow();
  });
});

describe('cancels of all live calls, read together', () => {
  it('reads a hundred calls per request and reports only the canceled ones', async () => {
    const store = new CountingStore(db, settings);
    const ids = Array.from({ length: 130 }, (_, i) => `cancel-${i}`);
    const cancel = { requestedAt: new Date().toISOString(), immediate: false };
    await Promise.all(ids.map((pk, i) => db.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'call', ...(i % 40 === 7 ? { cancel } : {}) } }))));
    const cancels = await store.cancelsOf([...ids, 'cancel-unknown']);
    expect([...cancels.keys()].sort()).toEqual(['cancel-7', 'cancel-47', 'cancel-87', 'cancel-127'].sort());
    expect(cancels.get('cancel-47')).toEqual(cancel);
    expect(store.cancelReads).toBe(1);
  });

  it('one watch calls back each canceled call once, and stops reading when nothing is watched', async () => {
    const store = new CountingStore(db, settings);
    const watch = new CancelWatch(store, 20);
    const heard: string[] = [];
    const stops = ['cancel-7', 'cancel-8', 'cancel-47'].map((id) => watch.watch(id, () => heard.push(id)));
    await expect.poll(() => heard.length, { timeout: 5_000 }).toBe(2);
    expect(heard.sort()).toEqual(['cancel-47', 'cancel-7']);
    stops[1]!();
    const reads = store.cancelReads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.cancelReads).toBe(reads);
    watch.stop();
  });
});
