import { describeError } from '../api';
import { BrowserPhone, openMicrophone } from '../call/browser-phone';
import type { ConsoleContext, View } from '../context';
import { fill, h, icon } from '../dom';
import { card, errorBox, linkButton, pageHeader } from '../ui';
import { agentFields, checkbox } from './agent-fields';

/** "Call me in the browser": choose the agent, then this tab becomes the phone it calls. */
export function talkView(ctx: ConsoleContext): View {
  const agent = agentFields(ctx.environment);
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-large' }, icon('headset'), 'Call me in the browser');
  const current = ctx.phone.current;
  const onCall = current && current.state.state !== 'ended' ? current : undefined;

  const form = h(
    'form',
    { class: 'form', novalidate: true },
    agent.element,
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, 'Your side'),
      checkbox(
        'Voice processing',
        'voiceProcessing',
        true,
        'Echo cancellation, noise suppression and automatic gain, as a phone has. Turn it off with headphones or when feeding test audio.',
      ),
    ),
    status,
    h('div', { class: 'form-actions' }, submit),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (ctx.phone.current && ctx.phone.current.state.state !== 'ended') {
      return fill(status, errorBox('You are already on a call in this tab. Hang up first.'));
    }
    let settings: ReturnType<typeof agent.values>;
    try {
      settings = agent.values();
    } catch (error) {
      return fill(status, errorBox(describeError(error)));
    }
    submit.disabled = true;
    fill(status, h('p', { class: 'muted' }, 'Asking for your microphone…'));
    const voiceProcessing = (form.elements.namedItem('voiceProcessing') as HTMLInputElement).checked;
    let microphone: MediaStream;
    try {
      microphone = await openMicrophone(voiceProcessing);
    } catch (error) {
      submit.disabled = false;
      return fill(status, errorBox(`The microphone is not available: ${describeError(error)}. Allow it for this page and try again.`));
    }
    fill(status, h('p', { class: 'muted' }, 'Placing the call…'));
    try {
      const call = await ctx.api.placeBrowserCall(settings);
      const phone = new BrowserPhone(call, microphone);
      ctx.phone.current = phone;
      void phone.connect();
      ctx.navigate(`#/calls/${encodeURIComponent(call.callbackId)}`);
    } catch (error) {
      for (const track of microphone.getTracks()) track.stop();
      submit.disabled = false;
      fill(status, errorBox(`The call could not be placed: ${describeError(error)}`));
    }
  });

  const element = h(
    'div',
    {},
    pageHeader('Talk to the agent', 'This tab becomes the phone: your microphone is the caller, the agent answers through your speakers.'),
    onCall
      ? h(
          'div',
          { class: 'alert alert-info', role: 'status' },
          icon('headset'),
          h('span', {}, 'You are on a call in this tab. '),
          linkButton(`#/calls/${encodeURIComponent(onCall.callbackId)}`, 'Back to the call', undefined, 'secondary'),
        )
      : null,
    h('div', { class: 'talk-layout' }, card(null, form), howItWorks(ctx)),
  );
  return { element };
}

function howItWorks(ctx: ConsoleContext): HTMLElement {
  return h(
    'aside',
    { class: 'card card-quiet', 'aria-label': 'How a browser call works' },
    h('h2', { class: 'card-title' }, 'How it works'),
    h(
      'ol',
      { class: 'steps' },
      h('li', {}, 'The console creates the call through the same store and request schema as ', h('code', {}, 'POST /call/initiate'), ', and issues a single-use stream token.'),
      h('li', {}, 'Your microphone is low-passed and resampled to 8 kHz μ-law in an AudioWorklet: 20 ms frames, as Twilio sends.'),
      h('li', {}, 'The console relays the stream to the media service signed as Twilio; the media service checks the signature and the token as for any call.'),
      h('li', {}, 'Hanging up ends the call the way Twilio’s status callback does: one ', h('code', {}, 'Call Completed'), ' event.'),
    ),
    h('p', { class: 'muted small' }, `Model: ${ctx.environment.model === 'fake' ? 'the fake OpenAI Realtime server (it understands voice-code audio; speech shows as “(inaudible)”)' : 'real'}.`),
  );
}
