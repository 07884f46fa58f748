import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalStack } from '../stack';
import type { LiveMessage } from './wire';

const HEARTBEAT_MS = 15_000;


/**
 * Server-sent events for the console: transcript turns from the media service, each
 * `Call Completed` event from the bus, and the console's own call changes. Status changes
 * that only the store sees are picked up by the pages' polling.
 */
export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();

  constructor(stack: LocalStack) {
    stack.activity.on('turn', (callbackId, turn) => this.publish({ type: 'turn', callbackId, turn }));
    stack.activity.on('event', (event) => {
      const callbackId = (event.detail as { callbackId?: unknown }).callbackId;
      if (typeof callbackId === 'string') this.publish({ type: 'completed', callbackId, event });
    });
  }

  publish(message: LiveMessage): void {
    const frame = `event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
    for (const res of this.clients) res.write(frame);
  }

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': live\n\n');
    this.clients.add(res);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      this.clients.delete(res);
    });
  }
}
