import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { awsClientOptions } from '../shared/aws';
import { callTable } from '../shared/table';
import { waitAtMost } from '../shared/wait-at-most';

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
  const requests = requestsInEngine(engine);

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
      // Requests already inside the engine finish before its database closes (a write to a closed one throws).
      await waitAtMost(requests.done(), ENGINE_DRAIN_MS);
      engine.closeAllConnections?.();
      await new Promise<void>((resolve) => engine.close(() => resolve()));
    },
  };
}

/** How long closing waits for the engine's requests in progress. */
const ENGINE_DRAIN_MS = 10_000;

/**
 * Counts the engine's requests from arrival until it answers them. A request whose client has
 * gone (the relay cut it) is still being worked on until then, so this counts the answer itself,
 * not the connection; one cut before its body arrived is never worked on.
 */
function requestsInEngine(engine: Server): { done(): Promise<void> } {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  engine.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    inFlight++;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (--inFlight === 0) waiting.splice(0).forEach((resolve) => resolve());
    };
    request.on('close', () => {
      if (!request.complete) settle();
    });
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      settle();
      return end(...args);
    }) as ServerResponse['end'];
  });
  return { done: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))) };
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
