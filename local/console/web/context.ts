import type { ConsoleApi } from './api';
import type { BrowserPhone } from './call/browser-phone';
import type { LiveUpdates } from './live';
import type { ConsoleEnvironment } from './types';

/** What every view gets. */
export interface ConsoleContext {
  api: ConsoleApi;
  environment: ConsoleEnvironment;
  live: LiveUpdates;
  /** The browser call this tab is on, if any: it outlives page changes. */
  phone: { current: BrowserPhone | undefined };
  navigate(hash: string): void;
}

export interface View {
  element: HTMLElement;
  dispose?(): void;
}
