import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exited, mediaProcessStats, startMediaProcess, type MediaProcessStats } from '../local/media-process';

/** The two bridges a run compares: the media service, and the pass-through floor beside it. */
export type BridgeKind = 'engine' | 'pass-through';

export interface BridgeStats {
  activeCalls: number;
  cpu: { user: number; system: number };
  rss: number;
  /** The media service's own view (handler latency, event-loop lag); absent for the pass-through. */
  engine?: MediaProcessStats;
}

export interface BridgeProcess {
  kind: BridgeKind;
  stats(): Promise<BridgeStats>;
  resetStats(): void;
  stop(): Promise<void>;
}

/** Starts a bridge as its own process listening on `port`, where the stack's TwiML points streams. */
export async function startBridge(kind: BridgeKind, env: NodeJS.ProcessEnv, port: number, modelUrl: string): Promise<BridgeProcess> {
  const child = kind === 'engine' ? await startMediaProcess(env, port) : await startPassThrough(env, port, modelUrl);
  return {
    kind,
    async stats() {
      if (kind === 'engine') {
        const engine = await mediaProcessStats(child);
        return { activeCalls: engine.activeCalls, cpu: engine.cpu, rss: engine.rss, engine };
      }
      return ask(child);
    },
    resetStats: () => void (kind === 'engine' && child.send('reset-stats')),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

function startPassThrough(env: NodeJS.ProcessEnv, port: number, modelUrl: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./pass-through.ts', import.meta.url)), [], {
    // The same loader as the media process, so both pay the same start-up and memory overhead.
    execArgv: ['--import', 'tsx'],
    env: { ...env, MEDIA_PORT: String(port), PASS_THROUGH_MODEL_URL: modelUrl, NODE_OPTIONS: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => (message === 'ready' ? resolve(child) : reject(new Error(String(message)))));
    child.once('exit', (code, signal) => reject(new Error(`pass-through exited (${code ?? signal}) before it was ready`)));
  });
}

function ask(child: ChildProcess): Promise<BridgeStats> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message && 'cpu' in message) {
        child.off('message', onMessage);
        resolve(message as BridgeStats);
      }
    };
    child.on('message', onMessage);
    child.send('stats');
  });
}
