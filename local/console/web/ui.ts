import { h, icon } from './dom';
import { duration, outcomeTone, statusLabel, statusTone, type Tone } from './format';
import type { CallStatus } from './types';

export function badge(tone: Tone, text: string): HTMLElement {
  return h('span', { class: `badge badge-${tone}` }, tone === 'live' ? h('span', { class: 'pulse', 'aria-hidden': 'true' }) : null, text);
}

export const statusBadge = (status: CallStatus) => badge(statusTone(status), statusLabel(status));
export const outcomeBadge = (outcome: string | null) => (outcome ? badge(outcomeTone(outcome), statusLabel(outcome)) : h('span', { class: 'muted' }, '—'));

export function card(title: string | null, ...children: Array<Node | null | false>): HTMLElement {
  const heading = title ? h('h2', { class: 'card-title' }, title) : null;
  return h('section', { class: 'card' }, heading, ...children);
}

/** The page's h1, focusable so the router can move focus to it. */
export function pageHeader(title: string, subtitle?: string | Node, ...actions: Node[]): HTMLElement {
  return h(
    'header',
    { class: 'page-header' },
    h('div', {}, h('h1', { tabindex: -1 }, title), subtitle ? h('p', { class: 'page-subtitle' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, ...actions) : null,
  );
}

export function emptyState(iconName: string, text: string, ...actions: Node[]): HTMLElement {
  return h('div', { class: 'empty' }, icon(iconName), h('p', {}, text), ...actions);
}

export function linkButton(href: string, text: string, iconName?: string, variant = 'primary'): HTMLAnchorElement {
  return h('a', { class: `button button-${variant}`, href }, iconName ? icon(iconName) : null, text);
}

export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'alert alert-danger', role: 'alert' }, icon('alert'), h('span', {}, message));
}

export function json(value: unknown): HTMLElement {
  return h('pre', { class: 'json', tabindex: 0 }, h('code', {}, JSON.stringify(value, null, 2)));
}

/** A ticking "m:ss" since `since`, for calls still going. */
export function liveDuration(since: string | number): HTMLElement {
  const start = typeof since === 'number' ? since : Date.parse(since);
  const element = h('span', { class: 'tabular' }, duration((Date.now() - start) / 1000));
  const timer = setInterval(() => {
    if (!element.isConnected) return clearInterval(timer);
    element.textContent = duration((Date.now() - start) / 1000);
  }, 1000);
  return element;
}
