import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';

/** Starts `server` on 127.0.0.1 (`port` 0: any free one) and resolves with its port; a bind error rejects. */
export async function listenOnLoopback(server: Server | Http2Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Ends a fake's WebSocket sessions, then its WebSocket server, then its HTTP server and every connection it holds. */
export async function closeSocketServer(http: Server, wss: WebSocketServer, sessions: Iterable<{ terminate(): void }>): Promise<void> {
  for (const session of sessions) session.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
}
