import type { LiveUpdates } from './live';
import type { LiveMessage } from './types';

export interface Refreshing<T> {
  load(): Promise<T>;
  /** Shows what was loaded; returns how long until the next load, or undefined to wait for a live update. */
  show(data: T): number | undefined;
  /** Shows why loading failed; returns how long until the next try, or undefined to wait for a live update. */
  showError(error: unknown): number | undefined;
  /** Whether a live update calls for a reload (it may show what the update carries on its own). */
  wants(message: LiveMessage): boolean;
  /** Reload this long after the last of a burst of live updates; at once when undefined. */
  settleMs?: number;
}

/**
 * A view's data kept fresh: loaded now, again when `show` or `showError` asks, and on the live
 * updates it wants, until the returned function stops it. Nothing loaded after that is shown.
 */
export function keepRefreshed<T>(live: LiveUpdates, view: Refreshing<T>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settling: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    clearTimeout(timer);
    let nextMs: number | undefined;
    try {
      const data = await view.load();
      if (stopped) return;
      nextMs = view.show(data);
    } catch (error) {
      if (stopped) return;
      nextMs = view.showError(error);
    }
    if (nextMs !== undefined) timer = setTimeout(() => void refresh(), nextMs);
  };
  const unsubscribe = live.subscribe((message) => {
    if (!view.wants(message)) return;
    if (view.settleMs === undefined) return void refresh();
    clearTimeout(settling);
    settling = setTimeout(() => void refresh(), view.settleMs);
  });
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(settling);
    unsubscribe();
  };
}
