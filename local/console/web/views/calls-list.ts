import { describeError } from '../api';
import type { ConsoleContext, View } from '../context';
import { fill, h, icon } from '../dom';
import { dateTime, duration, providerName, relativeTime } from '../format';
import { keepRefreshed } from '../refresh';
import type { CallSummary, ConsoleEnvironment } from '../types';
import { emptyState, errorBox, linkButton, liveDuration, outcomeBadge, pageHeader, statusBadge } from '../ui';

const POLL_WHILE_OPEN_MS = 3000;
/** A burst of live updates (a call's turns and status changes) reloads the list once. */
const LIVE_SETTLE_MS = 200;

/** Every call the stack has seen, newest first; refreshed by live updates and while calls are open. */
export function callsListView(ctx: ConsoleContext): View {
  const body = h('div', { class: 'card card-flush', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading calls…'));
  const element = h(
    'div',
    {},
    pageHeader(
      'Calls',
      'Every call on this stack: browser calls and phone calls.',
      linkButton('#/place', 'Place a call', 'phone', 'secondary'),
      linkButton('#/talk', 'Talk to the agent', 'headset'),
    ),
    body,
  );

  const stop = keepRefreshed(ctx.live, {
    load: () => ctx.api.calls(),
    show: (calls) => {
      body.removeAttribute('aria-busy');
      fill(body, calls.length ? table(ctx.environment, calls) : emptyState('list', 'No calls yet. Talk to the agent in this browser, or place a call.', linkButton('#/talk', 'Talk to the agent', 'headset')));
      return calls.some((call) => !call.completed) ? POLL_WHILE_OPEN_MS : undefined;
    },
    showError: (error) => {
      fill(body, errorBox(`The calls could not be loaded: ${describeError(error)}`));
      return undefined;
    },
    wants: () => true,
    settleMs: LIVE_SETTLE_MS,
  });
  return { element, dispose: stop };
}

function table(env: ConsoleEnvironment, calls: CallSummary[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'calls' },
      h('caption', { class: 'visually-hidden' }, 'Calls, newest first'),
      h(
        'thead',
        {},
        h('tr', {}, ...['Call', 'State', 'Outcome', 'Duration', 'Provider', 'Started'].map((title) => h('th', { scope: 'col' }, title))),
      ),
      h('tbody', {}, ...calls.map((call) => row(env, call))),
    ),
  );
}

function row(env: ConsoleEnvironment, call: CallSummary): HTMLElement {
  const live = call.status === 'in-progress' && call.answeredAt;
  return h(
    'tr',
    {},
    h(
      'th',
      { scope: 'row' },
      h(
        'a',
        { class: 'call-link', href: `#/calls/${encodeURIComponent(call.callbackId)}` },
        h('span', { class: `channel channel-${call.channel}`, title: call.channel === 'browser' ? 'Browser call' : 'Phone call' }, icon(call.channel === 'browser' ? 'headset' : 'phone')),
        h('span', { class: 'call-id' }, h('span', { class: 'mono' }, call.callbackId), h('span', { class: 'call-sub' }, call.channel === 'browser' ? 'Browser' : call.to)),
      ),
    ),
    h('td', {}, statusBadge(call.status)),
    h('td', {}, outcomeBadge(call.outcome)),
    h('td', { class: 'tabular' }, live ? liveDuration(call.answeredAt!) : duration(call.durationSeconds)),
    h('td', {}, providerName(env, call.provider), h('span', { class: 'call-sub' }, call.model)),
    h('td', {}, h('time', { datetime: call.createdAt, title: dateTime(call.createdAt) }, relativeTime(call.createdAt))),
  );
}
