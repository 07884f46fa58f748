import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { awsClientOptions } from '../shared/aws';
import { callTable } from '../shared/table';

export interface LocalDynamo {
  endpoint: string;
  /** Stops answering (for outage tests); `start` brings the same data back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** dynalite in this process, on loopback, with the call table created from the shared definition. */
export async function startLocalDynamo(tableName: string, port = 0): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const listen = (p: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => resolve());
  });
  await listen(port);
  const boundPort = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${boundPort}`;
  await createCallTable(endpoint, tableName);
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    endpoint,
    stop: async () => {
      server.closeAllConnections?.();
      await close();
    },
    start: () => listen(boundPort),
    close: async () => {
      if (server.listening) await close();
    },
  };
}

async function createCallTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient(awsClientOptions('us-east-1', endpoint));
  const index = callTable.openCallsIndex;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: callTable.partitionKey, AttributeType: 'S' },
        { AttributeName: callTable.sortKey, AttributeType: 'S' },
        { AttributeName: index.partitionKey, AttributeType: 'S' },
        { AttributeName: index.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: callTable.partitionKey, KeyType: 'HASH' },
        { AttributeName: callTable.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  client.destroy();
}
