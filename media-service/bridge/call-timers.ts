/** A call's timers, each known by its name: setting a name again replaces its timer. */
export class CallTimers<Name extends string> {
  readonly #timers = new Map<Name, NodeJS.Timeout>();

  set(name: Name, ms: number, fire: () => void): void {
    this.clear(name);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        fire();
      }, ms),
    );
  }

  clear(name: Name): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
  }

  clearAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
