import type { CallStatus, ConsoleEnvironment, Outcome } from './types';

export type Tone = 'neutral' | 'info' | 'live' | 'success' | 'warning' | 'danger';

const STATUS_TONE: Record<CallStatus, Tone> = {
  scheduled: 'neutral',
  initiating: 'neutral',
  queued: 'neutral',
  initiated: 'info',
  ringing: 'info',
  'in-progress': 'live',
  completed: 'success',
  busy: 'warning',
  'no-answer': 'warning',
  canceled: 'warning',
  failed: 'danger',
};

const OUTCOME_TONE: Record<Outcome, Tone> = {
  completed: 'success',
  voicemail: 'info',
  transferred: 'info',
  busy: 'warning',
  'no-answer': 'warning',
  canceled: 'warning',
  failed: 'danger',
};

export const statusTone = (status: CallStatus): Tone => STATUS_TONE[status] ?? 'neutral';
export const outcomeTone = (outcome: string): Tone => OUTCOME_TONE[outcome as Outcome] ?? 'neutral';

/** "in-progress" → "In progress". */
export function statusLabel(status: string): string {
  const words = status.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 75 → "1:15". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const rest = `${Math.floor((s % 3600) / 60)}:${String(s % 60).padStart(2, '0')}`;
  return hours ? `${hours}:${rest.padStart(5, '0')}` : rest;
}

export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "just now", "3 min ago", "2 h ago", else the date. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** The provider's display name, as the stack describes it. */
export function providerName(env: Pick<ConsoleEnvironment, 'providers'>, id: string): string {
  return env.providers.find((p) => p.id === id)?.label ?? id;
}
