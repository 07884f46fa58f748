/**
 * A push-driven async iterable: producers `push`, one consumer iterates (the Bedrock SDK
 * pulls the request stream from it). `end()` lets the consumer drain what is queued and
 * finish; `abort()` finishes it at once, dropping the rest.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #iterating = false;

  push(item: T): boolean {
    if (this.#ended) return false;
    this.#items.push(item);
    this.#notify();
    return true;
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  abort(): void {
    this.#items = [];
    this.end();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Items pushed and not yet taken by the consumer. */
  get size(): number {
    return this.#items.length;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterating) throw new Error('AsyncQueue supports a single consumer');
    this.#iterating = true;
    while (true) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
