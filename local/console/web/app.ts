import { apiKeyStore, ConsoleApi } from './api';
import type { ConsoleContext, View } from './context';
import { fill, h, icon } from './dom';
import { LiveUpdates } from './live';
import type { ConsoleEnvironment } from './types';
import { callPageView } from './views/call-page';
import { callsListView } from './views/calls-list';
import { keyGate } from './views/key-gate';
import { placeCallView } from './views/place-call';
import { talkView } from './views/talk';

const root = document.getElementById('app')!;

const NAV = [
  { href: '#/calls', label: 'Calls', icon: 'list', matches: (path: string) => path === '/calls' || path.startsWith('/calls/') },
  { href: '#/talk', label: 'Talk to the agent', icon: 'headset', matches: (path: string) => path === '/talk' },
  { href: '#/place', label: 'Place a call', icon: 'phone', matches: (path: string) => path === '/place' },
];

async function boot(): Promise<void> {
  const key = apiKeyStore.get();
  if (key) {
    const api = new ConsoleApi(key);
    try {
      return start(api, await api.environment());
    } catch {
      apiKeyStore.forget();
    }
  }
  fill(
    root,
    keyGate((api, env, accepted) => {
      apiKeyStore.set(accepted);
      start(api, env);
    }),
  );
}

function start(api: ConsoleApi, environment: ConsoleEnvironment): void {
  const main = h('main', { id: 'main', class: 'main', tabindex: -1 });
  const nav = h('nav', { class: 'nav', 'aria-label': 'Console' });
  const ctx: ConsoleContext = {
    api,
    environment,
    live: new LiveUpdates(api),
    phone: { current: undefined },
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  };
  fill(
    root,
    h('a', { class: 'skip-link', href: '#main', onclick: (event: Event) => (event.preventDefault(), main.focus()) }, 'Skip to content'),
    header(environment, nav),
    main,
  );

  let view: View | undefined;
  const route = () => {
    const path = location.hash.replace(/^#/, '') || '/calls';
    view?.dispose?.();
    const call = /^\/calls\/(.+)$/.exec(path);
    view = call ? callPageView(ctx, decodeURIComponent(call[1]!)) : path === '/talk' ? talkView(ctx) : path === '/place' ? placeCallView(ctx) : callsListView(ctx);
    fill(main, view.element);
    fill(
      nav,
      ...NAV.map((item) =>
        h('a', { href: item.href, class: 'nav-link', 'aria-current': item.matches(path) ? 'page' : false }, icon(item.icon), h('span', {}, item.label)),
      ),
    );
    const heading = main.querySelector('h1');
    document.title = `${heading?.textContent ?? 'Console'} · Caller Engine`;
    heading?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  };
  window.addEventListener('hashchange', route);
  window.addEventListener('pagehide', () => ctx.phone.current?.hangUp());
  route();
}

function header(env: ConsoleEnvironment, nav: HTMLElement): HTMLElement {
  const signOut = h(
    'button',
    {
      type: 'button',
      class: 'button button-ghost button-small',
      onclick: () => {
        apiKeyStore.forget();
        location.hash = '';
        location.reload();
      },
    },
    icon('logout'),
    'Forget key',
  );
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'topbar-inner' }, 
      h('a', { class: 'brand', href: '#/calls' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, icon('wave')), h('span', {}, 'Caller Engine'), h('span', { class: 'brand-tag' }, 'dev console')),
      nav,
      h(
        'div',
        { class: 'topbar-env' },
        h('span', { class: 'pill', title: 'Telephony' }, `Twilio: ${env.twilio}`),
        h('span', { class: 'pill', title: 'Voice model' }, `Model: ${env.model}`),
        signOut,
      ),
    ),
  );
}

void boot();
