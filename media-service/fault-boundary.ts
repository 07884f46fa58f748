import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids of the call whose code is running, for logs written far from the call (the process-level net). */
export interface CallIds {
  callbackId: string;
  callSid?: string;
  streamSid?: string;
}

/**
 * Which call the running code belongs to. Timers, promises and sockets created while a call's
 * code runs carry its ids, so a failure that escapes every boundary can still be told apart.
 */
export const callContext = new AsyncLocalStorage<CallIds>();

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
}

/**
 * A listener that reports what it throws (or rejects with) to `onFault` instead of letting it
 * escape into whoever called it: a socket's event handler, where a throw would reach the
 * process and end every call on it, or an SDK that does not expect one.
 */
export function guarded<A extends unknown[]>(listener: (...args: A) => unknown, onFault: (error: Error) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      const result = listener(...args);
      if (result instanceof Promise) result.catch((error: unknown) => onFault(asError(error)));
    } catch (error) {
      onFault(asError(error));
    }
  };
}
