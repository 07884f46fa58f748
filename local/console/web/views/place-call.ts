import { E164_HTML_PATTERN } from '../../../../shared/patterns';
import { describeError } from '../api';
import type { ConsoleContext, View } from '../context';
import { fill, h, icon } from '../dom';
import { card, errorBox, pageHeader } from '../ui';
import { agentFields, checkbox, field } from './agent-fields';

/** A form for the real `POST /call/initiate`: a phone call through Twilio (or its simulator). */
export function placeCallView(ctx: ConsoleContext): View {
  const env = ctx.environment;
  const agent = agentFields(env);
  const to = h('input', { name: 'to', type: 'tel', required: true, autocomplete: 'off', placeholder: '+15551234567', pattern: E164_HTML_PATTERN });
  const from = h('input', { name: 'from', type: 'tel', autocomplete: 'off', placeholder: env.fromNumber ?? '+15550001111', pattern: E164_HTML_PATTERN });
  const callbackId = h('input', { name: 'callbackId', type: 'text', required: true, class: 'mono', spellcheck: false, value: newCallbackId() });
  const metadata = h('textarea', { name: 'metadata', rows: 3, class: 'mono', spellcheck: false, placeholder: '{ "orderId": "A-17" }' });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-large' }, icon('phone'), 'Place call');
  const prefixes = env.allowedPrefixes?.length ? `Allowed prefixes: ${env.allowedPrefixes.join(', ')}.` : 'Any E.164 number.';

  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, 'Call'),
      h('div', { class: 'field-row' }, field('To', to, `E.164, e.g. +15551234567. ${prefixes}`), field('From', from, 'Caller ID; empty uses TWILIO_PHONE_NUMBER.')),
      field('Callback ID', callbackId, 'Your id for the call; the same id again never places a second call.'),
    ),
    agent.element,
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, 'Options'),
      h('div', { class: 'field-row' }, checkbox('Record the call', 'record', false), checkbox('Answering machine detection', 'machineDetection', false)),
      field('Metadata (JSON object)', metadata, 'Echoed in the Call Completed event.'),
    ),
    status,
    h('div', { class: 'form-actions' }, submit),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let body: Record<string, unknown>;
    try {
      requireValid(to, 'To: enter an E.164 number such as +15551234567');
      requireValid(from, 'From: enter an E.164 number or leave it empty');
      body = {
        callbackId: callbackId.value.trim(),
        to: to.value.trim(),
        ...(from.value.trim() ? { from: from.value.trim() } : {}),
        ...agent.values(),
        record: (form.elements.namedItem('record') as HTMLInputElement).checked,
        machineDetection: (form.elements.namedItem('machineDetection') as HTMLInputElement).checked,
        ...(metadata.value.trim() ? { metadata: parseMetadata(metadata.value) } : {}),
      };
    } catch (error) {
      return fill(status, errorBox(describeError(error)));
    }
    submit.disabled = true;
    fill(status, h('p', { class: 'muted' }, 'Placing the call…'));
    try {
      const placed = await ctx.api.initiate(body);
      callbackId.value = newCallbackId();
      ctx.navigate(`#/calls/${encodeURIComponent(placed.callbackId)}`);
    } catch (error) {
      fill(status, errorBox(`The call was not placed: ${describeError(error)}`));
    } finally {
      submit.disabled = false;
    }
  });

  const notice =
    env.twilio === 'simulator'
      ? h('div', { class: 'alert alert-info' }, icon('phone'), h('span', {}, 'Twilio here is the simulator: the simulated callee answers any number and speaks two lines.'))
      : h('div', { class: 'alert alert-warning' }, icon('alert'), h('span', {}, `Twilio is configured: this dials a real phone${env.fromNumber ? ` from ${env.fromNumber}` : ''}.`));
  return { element: h('div', {}, pageHeader('Place a call', h('span', {}, 'Sends ', h('code', {}, 'POST /call/initiate'), ' with your API key, as the orchestrator does.')), notice, card(null, form)) };
}

/** Marks a field invalid and takes the user to it. */
function requireValid(input: HTMLInputElement, message: string): void {
  const valid = input.checkValidity();
  input.setAttribute('aria-invalid', String(!valid));
  if (valid) return;
  input.focus();
  throw new Error(message);
}

function newCallbackId(): string {
  return `console-${new Date().toISOString().replace(/[-:TZ.]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
}

function parseMetadata(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('Metadata: not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('Metadata: must be a JSON object');
  return value as Record<string, unknown>;
}
