import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
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

/**
 * dynalite in this process, on loopback, with the call table created from the shared
 * definition. Clients reach it through a small TCP relay, so an outage can be staged
 * (`stop`: connections refused and cut) without losing the engine's in-memory data.
 */
export async function startLocalDynamo(tableName: string, port = 0): Promise<LocalDynamo> {
  const engine = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', () => resolve()));
  const enginePort = (engine.address() as AddressInfo).port;

  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(enginePort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(p, '127.0.0.1', () => resolve());
    });
  await listen(port);
  const relayPort = (relay.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${relayPort}`;
  await createCallTable(endpoint, tableName);

  const stopRelay = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      relay.close(() => resolve());
    });
  return {
    endpoint,
    stop: stopRelay,
    start: () => listen(relayPort),
    close: async () => {
      if (relay.listening) await stopRelay();
      // Let requests already inside the engine finish before its database closes.
      await new Promise((resolve) => setTimeout(resolve, 250));
      engine.closeAllConnections?.();
      await new Promise<void>((resolve) => engine.close(() => resolve()));
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
