import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Writes to one WebSocket, batched per event-loop turn. Without this every WebSocket message
 * costs a system call of its own (a `writev` of its header and payload); an agent audio chunk
 * and its mark are two. The first write of a turn corks the TCP socket and the uncork queued
 * behind the current turn flushes everything written meanwhile at once, so a burst leaves in
 * one system call and nothing waits longer than the turn that wrote it.
 */
export class BatchedSocketWriter {
  #corked: Socket | undefined;
  readonly #uncork = () => {
    const socket = this.#corked;
    this.#corked = undefined;
    socket?.uncork();
  };

  constructor(private readonly ws: WebSocket) {}

  send(data: string): void {
    if (!this.#corked) {
      // `ws` keeps its TCP socket in `_socket` (there is no public accessor); null until it opens.
      const socket = (this.ws as unknown as { _socket?: Socket | null })._socket;
      if (socket) {
        socket.cork();
        this.#corked = socket;
        process.nextTick(this.#uncork);
      }
    }
    this.ws.send(data);
  }
}
