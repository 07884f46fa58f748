import { h } from '../dom';
import { providerName } from '../format';
import type { ConsoleEnvironment } from '../types';

export const SAMPLE_INSTRUCTIONS =
  'Your name is Ava from Northwind Dental. You are calling {{name}} to confirm a cleaning appointment on Tuesday afternoon. Keep it short and friendly.';
export const SAMPLE_VARIABLES = 'name=Sam';

let nextId = 0;
/** A labelled control with an optional hint tied to it by aria-describedby. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = control.id || `field-${++nextId}`;
  control.id = id;
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintElement);
}

export function checkbox(label: string, name: string, checked: boolean, hint?: string): HTMLElement {
  const id = `field-${++nextId}`;
  const input = h('input', { type: 'checkbox', id, name, checked });
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) input.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field field-check' }, input, h('div', {}, h('label', { for: id }, label), hintElement));
}

/**
 * The agent side of a call, shared by both forms: provider, voice, instructions with
 * `{{variables}}`, and the time limit.
 */
export function agentFields(env: ConsoleEnvironment) {
  const provider = h(
    'select',
    { name: 'provider' },
    ...env.providers.map((p) =>
      h('option', { value: p.id, disabled: !p.ready, selected: p.id === env.defaultProvider }, `${providerName(env, p.id)}${p.ready ? '' : ` (${p.why})`}`),
    ),
  );
  const voices = h('datalist', { id: `voices-${++nextId}` });
  const voice = h('input', { name: 'voice', type: 'text', list: voices.id, autocomplete: 'off', spellcheck: false });
  const showVoices = () => {
    const chosen = env.providers.find((p) => p.id === provider.value);
    voices.replaceChildren(...(chosen?.voices ?? []).map((name) => h('option', { value: name })));
    voice.placeholder = chosen ? `${chosen.defaultVoice} (default)` : '';
  };
  provider.addEventListener('change', showVoices);
  showVoices();
  const instructions = h('textarea', { name: 'instructions', rows: 5, spellcheck: true });
  instructions.value = SAMPLE_INSTRUCTIONS;
  const variables = h('textarea', { name: 'variables', rows: 2, spellcheck: false, class: 'mono' });
  variables.value = SAMPLE_VARIABLES;
  const maxDuration = h('input', { name: 'maxDurationSeconds', type: 'number', min: 30, max: 3600, step: 1, inputmode: 'numeric', placeholder: String(env.maxDurationSeconds) });

  const element = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, 'Agent'),
    h('div', { class: 'field-row' }, field('Provider', provider), h('div', {}, field('Voice', voice, 'Pick a suggestion or type any voice the provider knows.'), voices)),
    field('Instructions', instructions, 'The system prompt for this call. {{name}} placeholders are filled from the variables.'),
    h(
      'div',
      { class: 'field-row' },
      field('Variables', variables, 'One name=value per line.'),
      field('Time limit (seconds)', maxDuration, 'The agent says goodbye at this point. Empty: the stack default.'),
    ),
  );

  /** The chosen settings as initiate-request fields; throws a readable message when a variable line is malformed. */
  const values = () => {
    const vars: Record<string, string> = {};
    for (const line of variables.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const at = line.indexOf('=');
      if (at <= 0) throw new Error(`Variables: "${line}" is not name=value`);
      vars[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return {
      provider: provider.value,
      ...(voice.value.trim() ? { voice: voice.value.trim() } : {}),
      ...(instructions.value.trim() ? { instructions: instructions.value.trim() } : {}),
      ...(Object.keys(vars).length ? { variables: vars } : {}),
      ...(maxDuration.value ? { maxDurationSeconds: Number(maxDuration.value) } : {}),
    };
  };
  return { element, values, focusTarget: provider };
}
