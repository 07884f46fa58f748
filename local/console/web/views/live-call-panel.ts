import type { BrowserPhone, PhoneSnapshot } from '../call/browser-phone';
import { announce, h, icon } from '../dom';
import { duration } from '../format';
import { badge, linkButton } from '../ui';

/** Controls for the browser call this tab is on: state, levels, mute and hang up. */
export function liveCallPanel(phone: BrowserPhone): { element: HTMLElement; dispose(): void } {
  const state = h('span', {});
  const elapsed = h('span', { class: 'tabular live-elapsed' });
  const micBar = h('span', { class: 'meter-fill' });
  const agentBar = h('span', { class: 'meter-fill meter-agent' });
  const muteLabel = h('span', {}, 'Mute');
  const muteIcon = h('span', { class: 'icon-slot' }, icon('mic'));
  const mute = h('button', { type: 'button', class: 'button button-secondary', 'aria-pressed': 'false', onclick: () => phone.setMuted(!phone.state.muted) }, muteIcon, muteLabel);
  const hangUp = h('button', { type: 'button', class: 'button button-danger', onclick: () => phone.hangUp() }, icon('phone-off'), 'Hang up');
  const reason = h('p', { class: 'live-reason muted' });
  const actions = h('div', { class: 'live-actions' }, mute, hangUp);
  const meters = h(
    'div',
    { class: 'meters', 'aria-hidden': 'true' },
    h('div', { class: 'meter-row' }, h('span', { class: 'meter-label' }, 'You'), h('span', { class: 'meter' }, micBar)),
    h('div', { class: 'meter-row' }, h('span', { class: 'meter-label' }, 'Agent'), h('span', { class: 'meter' }, agentBar)),
  );
  const element = h(
    'section',
    { class: 'card live-call', 'aria-label': 'Your browser call' },
    h('div', { class: 'live-head' }, h('div', { class: 'live-state' }, state, elapsed), actions),
    meters,
    reason,
  );

  let shown: PhoneSnapshot['state'] | undefined;
  let wasMuted = false;
  const render = (snapshot: PhoneSnapshot) => {
    micBar.style.width = `${level(snapshot.micLevel)}%`;
    agentBar.style.width = `${level(snapshot.agentLevel)}%`;
    if (snapshot.muted !== wasMuted) {
      wasMuted = snapshot.muted;
      mute.setAttribute('aria-pressed', String(snapshot.muted));
      muteLabel.textContent = snapshot.muted ? 'Unmute' : 'Mute';
      muteIcon.replaceChildren(icon(snapshot.muted ? 'mic-off' : 'mic'));
      announce(snapshot.muted ? 'Microphone muted' : 'Microphone on');
    }
    if (snapshot.state === shown) return;
    shown = snapshot.state;
    state.replaceChildren(
      snapshot.state === 'connecting' ? badge('info', 'Connecting…') : snapshot.state === 'live' ? badge('live', 'On the call') : badge('neutral', 'Call ended'),
    );
    const ended = snapshot.state === 'ended';
    if (ended) {
      meters.hidden = true;
      elapsed.textContent = '';
      actions.replaceChildren(linkButton('#/talk', 'Start another call', 'headset', 'secondary'));
    }
    reason.textContent = ended ? `Ended: ${snapshot.endReason ?? ''}.` : snapshot.state === 'live' ? 'Speak into your microphone; the agent hears you as a caller on the phone would.' : '';
    if (snapshot.state === 'live') announce('Call connected');
    if (ended) announce(`Call ended: ${snapshot.endReason ?? ''}`);
  };
  const unsubscribe = phone.subscribe(render);
  const ticker = setInterval(() => {
    const { startedAt, state: now } = phone.state;
    if (now === 'live' && startedAt) elapsed.textContent = duration((Date.now() - startedAt) / 1000);
  }, 500);
  return {
    element,
    dispose: () => {
      unsubscribe();
      clearInterval(ticker);
    },
  };
}

/** RMS to a 0–100 bar on a log scale: quiet speech shows, loud speech fills it. */
function level(rms: number): number {
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
}
