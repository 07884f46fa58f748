import { ApiError, ConsoleApi } from '../api';
import { fill, h, icon } from '../dom';
import type { ConsoleEnvironment } from '../types';
import { errorBox } from '../ui';

/** Asks once for the API key; it is checked against the console API before it is kept. */
export function keyGate(onAccepted: (api: ConsoleApi, env: ConsoleEnvironment, key: string) => void): HTMLElement {
  const input = h('input', { id: 'api-key', name: 'apiKey', type: 'password', required: true, autocomplete: 'off', spellcheck: false, 'aria-describedby': 'api-key-hint' });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block' }, 'Open the console');
  const form = h(
    'form',
    { class: 'gate card' },
    h('div', { class: 'gate-icon' }, icon('key')),
    h('h1', { tabindex: -1 }, 'Caller Engine dev console'),
    h('p', { class: 'muted' }, 'Local use only. Enter the API key to continue.'),
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input, h('p', { class: 'hint', id: 'api-key-hint' }, 'npm run dev prints it at start-up. It is kept for this tab only.')),
    status,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return fill(status, errorBox('Enter the API key.'));
    submit.disabled = true;
    const api = new ConsoleApi(key);
    try {
      onAccepted(api, await api.environment(), key);
    } catch (error) {
      fill(status, errorBox(error instanceof ApiError && error.status === 401 ? 'That API key is not valid.' : `The console could not be reached: ${String(error)}`));
      input.focus();
      input.select();
    } finally {
      submit.disabled = false;
    }
  });
  setTimeout(() => input.focus(), 0);
  return h('main', { id: 'main', class: 'gate-wrap' }, form);
}
