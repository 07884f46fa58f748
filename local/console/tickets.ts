import { randomBytes } from 'node:crypto';

/** A browser cannot put an API key on a WebSocket; it opens one with a ticket instead. */
export const TICKET_TTL_MS = 30_000;

interface Entry<T> {
  value: T;
  timer: NodeJS.Timeout;
}

/**
 * Single-use, short-lived tickets, each standing for a value (a browser call). Redeeming one
 * takes it out of the book; one that is never redeemed expires and is handed to `onExpired`.
 */
export class TicketBook<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly onExpired: (value: T) => void = () => undefined,
    private readonly ttlMs = TICKET_TTL_MS,
  ) {}

  issue(value: T): string {
    const ticket = randomBytes(24).toString('base64url');
    const timer = setTimeout(() => {
      this.entries.delete(ticket);
      this.onExpired(value);
    }, this.ttlMs);
    timer.unref();
    this.entries.set(ticket, { value, timer });
    return ticket;
  }

  redeem(ticket: string | null | undefined): T | undefined {
    const entry = ticket ? this.entries.get(ticket) : undefined;
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(ticket!);
    return entry.value;
  }
}
