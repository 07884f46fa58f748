import type { HistoryTurn } from './nova-sonic-stream';

/** Resumed history starts with a USER turn and alternates roles; longer histories keep the latest turns. */
const MAX_HISTORY_TURNS = 40;
const MAX_HISTORY_TEXT = 2_000;

/** The conversation as Nova accepts it for resumption: USER first, roles alternating, recent turns only. */
export function resumableHistory(turns: readonly HistoryTurn[]): HistoryTurn[] {
  const merged: HistoryTurn[] = [];
  for (const turn of turns.slice(-MAX_HISTORY_TURNS)) {
    const last = merged.at(-1);
    if (last?.role === turn.role) last.text = `${last.text} ${turn.text}`;
    else merged.push({ ...turn });
  }
  if (merged[0]?.role === 'ASSISTANT') merged.unshift({ role: 'USER', text: '(the call connected)' });
  return merged.map((turn) => ({ role: turn.role, text: turn.text.slice(-MAX_HISTORY_TEXT) }));
}
