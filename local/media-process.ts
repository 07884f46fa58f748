import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A TCP port free on loopback, for a server another process will open later. It is drawn from
 * below the operating systems' ephemeral ranges (Linux 32768+, macOS and Windows 49152+), so no
 * server listening on port 0 in the meantime (this stack's own, a parallel test's) can take it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
    if (attempt >= 50) throw new Error('no free port found below the ephemeral range');
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Per-process latency and resource figures the media service reports over IPC. */
export interface MediaProcessStats {
  inboundLatencyMs: { count: number; p50: number; p99: number; max: number };
  outboundLatencyMs: { count: number; p50: number; p99: number; max: number };
  firstAudioMs: { count: number; p50: number; p99: number; max: number };
  eventLoopLagMsP99: number;
  activeCalls: number;
  cpu: { user: number; system: number };
  rss: number;
}

/**
 * The media service as its own process (`media-service/main.ts`, as in the container),
 * configured from `env`; resolves once it listens on `port`.
 */
export function startMediaProcess(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('../media-service/main.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...(process.env.MEDIA_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.local/prof'] : [])],
    env: { ...env, MEDIA_PORT: String(port), POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'ERROR', NODE_OPTIONS: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return untilReady(child, 'media process').then(() => child);
}

/** Resolves when a forked server says `ready` over IPC; rejects on any other first message, or if it exits first. */
export function untilReady(child: ChildProcess, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => (message === 'ready' ? resolve() : reject(new Error(String(message)))));
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready`)));
  });
}

export function mediaProcessStats(child: ChildProcess): Promise<MediaProcessStats> {
  return askStats(child, 'inboundLatencyMs');
}

/** Sends `stats` to a forked server and resolves with its reply: the first message with a `field`. */
export function askStats<Stats>(child: ChildProcess, field: string): Promise<Stats> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message && field in message) {
        child.off('message', onMessage);
        resolve(message as Stats);
      }
    };
    child.on('message', onMessage);
    child.send('stats');
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
