import type { IncomingMessage } from 'node:http';
import { readRequestText } from './request-body';

/** The JSON body of a request to a local AWS stand-in, or undefined when it is not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readRequestText(req);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A list that records arrivals (events, deliveries) and lets a caller wait, bounded, for the
 * first one that matches.
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly what: string) {}

  push(item: T): void {
    this.items.push(item);
    this.waiters.forEach((wake) => wake());
  }

  waitFor(predicate: (item: T) => boolean, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.items.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`No matching ${this.what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
