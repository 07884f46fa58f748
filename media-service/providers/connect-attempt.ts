/** One try at opening a model connection, settled once: opened, failed, or out of time. */
export interface ConnectAttempt<T> {
  readonly settled: boolean;
  /** The connection is up; false when the attempt had already failed (the caller closes what it got). */
  open(value: T): boolean;
  /** The connection failed; false when the attempt had already settled. */
  fail(error: Error): boolean;
}

/**
 * Runs `start` and resolves with what it opens, or rejects with the first failure, or with
 * `timeoutError()` after `timeoutMs`, whichever comes first.
 */
export function connectAttempt<T>(timeoutMs: number, timeoutError: () => Error, start: (attempt: ConnectAttempt<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      return true;
    };
    const attempt: ConnectAttempt<T> = {
      get settled() {
        return settled;
      },
      open: (value) => {
        if (!settle()) return false;
        resolve(value);
        return true;
      },
      fail: (error) => {
        if (!settle()) return false;
        reject(error);
        return true;
      },
    };
    const timer = setTimeout(() => attempt.fail(timeoutError()), timeoutMs);
    start(attempt);
  });
}
