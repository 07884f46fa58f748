import { describeError } from '../api';
import type { ConsoleContext, View } from '../context';
import { announce, fill, h, icon } from '../dom';
import { clockTime, dateTime, duration, providerName, statusLabel } from '../format';
import type { CallPage, StatusChange, ToolCall } from '../types';
import { keepRefreshed } from '../refresh';
import { card, emptyState, errorBox, json, liveDuration, outcomeBadge, pageHeader, statusBadge } from '../ui';
import { liveCallPanel } from './live-call-panel';
import { TranscriptLog } from './transcript-log';

const POLL_WHILE_OPEN_MS = 2000;

/**
 * One call: the transcript as it happens (live turns, then the stored ones), tool calls,
 * status history, summary and analysis, and the `Call Completed` event once it is out.
 */
export function callPageView(ctx: ConsoleContext, callbackId: string): View {
  const current = ctx.phone.current;
  const phone = current?.callbackId === callbackId && current.state.state !== 'ended' ? current : undefined;
  const panel = phone ? liveCallPanel(phone) : undefined;
  const badges = h('div', { class: 'header-badges' });
  const transcript = new TranscriptLog(callbackId.startsWith('browser-') ? 'You' : 'Callee');
  const tools = h('div', {});
  const details = h('div', {});
  const history = h('div', {});
  const analysis = h('div', {});
  const event = h('div', {});
  const problem = h('div', {});
  const element = h(
    'div',
    {},
    h('a', { class: 'back-link', href: '#/calls' }, icon('arrow-left'), 'All calls'),
    pageHeader(callbackId, badges),
    problem,
    panel?.element ?? null,
    h(
      'div',
      { class: 'call-grid' },
      h('div', { class: 'call-main' }, card('Transcript', transcript.element), card('Tool calls', tools)),
      h('div', { class: 'call-side' }, card('Details', details), card('Summary and analysis', analysis), card('Status history', history)),
    ),
    card('Call Completed event', event),
  );

  let wasCompleted = false;
  const render = (page: CallPage) => {
    const { summary, call } = page;
    fill(
      badges,
      statusBadge(summary.status),
      summary.outcome && summary.outcome !== summary.status ? outcomeBadge(summary.outcome) : null,
      h('span', { class: 'header-meta' }, summary.channel === 'browser' ? 'Browser call' : `Phone call to ${summary.to}`, ' · ', providerName(ctx.environment, summary.provider)),
    );
    transcript.add(page.transcript);
    transcript.setEmptyText(summary.completed ? 'Nothing was said on this call.' : 'Waiting for the first words…');
    fill(tools, page.toolCalls.length ? toolList(page.toolCalls) : h('p', { class: 'muted' }, 'No tool calls on this call.'));
    fill(
      details,
      facts([
        ['Channel', summary.channel === 'browser' ? 'Browser (dev console)' : 'Phone'],
        ['To', call.request.to],
        ['From', call.request.from],
        ['Provider', providerName(ctx.environment, call.provider)],
        ['Model', call.model],
        ['Voice', call.request.voice ?? `${ctx.environment.providers.find((p) => p.id === call.provider)?.defaultVoice ?? 'provider'} (default)`],
        ['Created', dateTime(call.createdAt)],
        ['Answered', dateTime(call.answeredAt)],
        ['Ended', dateTime(call.endedAt)],
        ['Duration', summary.status === 'in-progress' && call.answeredAt ? liveDuration(call.answeredAt) : duration(call.durationSeconds)],
        ['Call SID', call.callSid ? h('span', { class: 'mono' }, call.callSid) : '—'],
      ]),
    );
    fill(history, statusHistory(call.statusHistory, summary.channel === 'browser' ? 'Console edge' : 'Twilio'));
    fill(
      analysis,
      call.summary ? h('p', { class: 'summary' }, call.summary) : h('p', { class: 'muted summary-pending' }, summary.completed ? 'No summary.' : 'Written when the call ends.'),
      facts([
        ['Outcome', outcomeBadge(summary.outcome)],
        ['Transcript complete', call.transcriptComplete === undefined ? '—' : call.transcriptComplete ? 'yes' : 'no'],
        ['Answered by', call.answeredBy ?? '—'],
        ['Error', call.error ? `${call.error.code}: ${call.error.message}` : 'none'],
      ]),
    );
    fill(
      event,
      page.event
        ? h('div', {}, h('div', { class: 'event-actions' }, copyButton(page.event)), json(page.event))
        : emptyState('clock', 'Not yet: the event is put on the bus once the call has ended and its transcript is final.'),
    );
  };

  const stop = keepRefreshed(ctx.live, {
    load: () => ctx.api.call(callbackId),
    show: (page) => {
      fill(problem);
      render(page);
      if (page.summary.completed && !wasCompleted) announce('The call is complete; its event is on the bus.');
      wasCompleted = page.summary.completed;
      return page.event ? undefined : POLL_WHILE_OPEN_MS;
    },
    showError: (error) => {
      fill(problem, errorBox(`This call could not be loaded: ${describeError(error)}`));
      return POLL_WHILE_OPEN_MS * 2;
    },
    wants: (message) => {
      if (message.callbackId !== callbackId) return false;
      if (message.type === 'turn') transcript.add([message.turn]);
      return true;
    },
  });
  return {
    element,
    dispose: () => {
      stop();
      panel?.dispose();
    },
  };
}

function toolList(calls: ToolCall[]): HTMLElement {
  return h(
    'ol',
    { class: 'tool-calls' },
    ...calls.map((call) =>
      h(
        'li',
        { class: 'tool-call' },
        h('div', { class: 'tool-head' }, icon('wrench'), h('span', { class: 'mono tool-name' }, call.name), h('time', { datetime: call.at, class: 'muted' }, clockTime(call.at))),
        h('h3', { class: 'tool-label' }, 'Arguments'),
        json(call.arguments),
        h('h3', { class: 'tool-label' }, call.error ? 'Error' : 'Result'),
        call.error ? h('p', { class: 'tool-error' }, call.error) : json(call.result ?? null),
      ),
    ),
  );
}

/** `edge` names who sent the status callbacks: Twilio, or the console standing in for it on a browser call. */
function statusHistory(changes: StatusChange[], edge: string): HTMLElement {
  return h(
    'ol',
    { class: 'history' },
    ...changes.map((change) =>
      h(
        'li',
        { class: change.applied ? '' : 'history-skipped' },
        h('time', { datetime: change.at, class: 'tabular' }, clockTime(change.at)),
        h('span', { class: 'history-status' }, statusLabel(change.status)),
        h('span', { class: 'muted' }, `${change.source === 'twilio' ? edge : 'API'}${change.sequenceNumber === undefined ? '' : ` #${change.sequenceNumber}`}${change.applied ? '' : ' · not applied'}`),
        change.errorMessage ? h('span', { class: 'history-error' }, change.errorMessage) : null,
      ),
    ),
  );
}

function facts(rows: Array<[string, string | Node]>): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function copyButton(value: unknown): HTMLElement {
  const label = h('span', {}, 'Copy JSON');
  return h(
    'button',
    {
      type: 'button',
      class: 'button button-secondary button-small',
      onclick: async () => {
        await navigator.clipboard.writeText(JSON.stringify(value, null, 2)).catch(() => undefined);
        label.textContent = 'Copied';
        announce('Event JSON copied');
        setTimeout(() => (label.textContent = 'Copy JSON'), 1500);
      },
    },
    icon('copy'),
    label,
  );
}
