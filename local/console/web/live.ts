import type { ConsoleApi } from './api';
import type { LiveMessage } from './types';

const RETRY_MS = [500, 1000, 2000, 5000];

/** The console's server-sent events, read from a streamed fetch and handed to every subscriber; reconnects on its own. */
export class LiveUpdates {
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private readonly abort = new AbortController();
  private attempt = 0;

  constructor(private readonly api: ConsoleApi) {
    void this.run();
  }

  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const response = await this.api.live(this.abort.signal);
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        this.attempt = 0;
        await this.read(response.body);
      } catch {
        // reconnect below
      }
      if (this.abort.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]));
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (data) this.dispatch(data);
      }
    }
  }

  private dispatch(data: string): void {
    let message: LiveMessage;
    try {
      message = JSON.parse(data) as LiveMessage;
    } catch {
      return;
    }
    for (const listener of this.listeners) listener(message);
  }
}
