import { h } from '../dom';
import { clockTime } from '../format';
import type { TranscriptTurn } from '../types';

/** The conversation, appended to (never redrawn) so a screen reader announces each new turn once. */
export class TranscriptLog {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly seen = new Set<string>();

  constructor(private readonly callerName: string) {
    this.list = h('ol', { class: 'transcript', role: 'log', 'aria-live': 'polite', 'aria-label': 'Transcript' });
    this.empty = h('p', { class: 'muted transcript-empty' }, 'Waiting for the first words…');
    this.element = h('div', {}, this.empty, this.list);
  }

  setEmptyText(text: string): void {
    this.empty.textContent = text;
  }

  add(turns: TranscriptTurn[]): void {
    for (const turn of [...turns].sort((a, b) => a.at.localeCompare(b.at))) {
      const key = `${turn.at}|${turn.role}|${turn.text}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.insert(turn);
    }
    this.empty.hidden = this.seen.size > 0;
  }

  private insert(turn: TranscriptTurn): void {
    const agent = turn.role === 'assistant';
    const item = h(
      'li',
      { class: `turn ${agent ? 'turn-agent' : 'turn-caller'}`, 'data-at': turn.at },
      h('div', { class: 'turn-meta' }, h('span', { class: 'turn-who' }, agent ? 'Agent' : this.callerName), h('time', { datetime: turn.at }, clockTime(turn.at))),
      h('p', { class: 'turn-text' }, turn.text),
    );
    const later = [...this.list.children].find((child) => (child as HTMLElement).dataset.at! > turn.at);
    this.list.insertBefore(item, later ?? null);
  }
}
