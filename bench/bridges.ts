import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DEFAULT_MEDIA_TASK, mediaNodeOptions } from '../infra/constructs/media/node-options';
import { askStats, exited, mediaProcessStats, untilReady, type MediaProcessStats } from '../local/media-process';

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

/** The media container's Node options (NODE_OPTIONS in its task) for the default task size; both bridges run with them. */
const CONTAINER_NODE_OPTIONS = mediaNodeOptions(DEFAULT_MEDIA_TASK.memoryLimitMiB).split(' ');

const ENTRY: Record<BridgeKind, string> = { engine: '../media-service/main.ts', 'pass-through': './pass-through.ts' };

/**
 * Each bridge as production runs the media service: one esbuild ESM bundle on plain `node`, not
 * through tsx, minified with its names kept, as the container's Dockerfile builds it; unminified
 * when profiled, so the profile names what it measured.
 */
async function bundle(kind: BridgeKind, profiled: boolean): Promise<string> {
  const outfile = fileURLToPath(new URL(`../.local/bench/${kind}.mjs`, import.meta.url));
  await build({
    entryPoints: [fileURLToPath(new URL(ENTRY[kind], import.meta.url))],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    minify: !profiled && !process.env.BENCH_UNMINIFIED,
    keepNames: true,
    banner: { js: "import { createRequire as __ceCreateRequire } from 'node:module'; const require = __ceCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Starts a bridge as its own process listening on `port`, where the stack's TwiML points streams.
 * `MEDIA_CPU_PROFILE=1` writes a `.cpuprofile` of the media service to `.local/prof`;
 * `MEDIA_CPU_PROFILE=all`, of the pass-through too (to compare where each spends its time).
 */
export async function startBridge(kind: BridgeKind, env: NodeJS.ProcessEnv, port: number, modelUrl: string): Promise<BridgeProcess> {
  const profile = process.env.MEDIA_CPU_PROFILE === 'all' || (kind === 'engine' && Boolean(process.env.MEDIA_CPU_PROFILE));
  const child = fork(await bundle(kind, profile), [], {
    // The container runs Node 22; BENCH_NODE runs the bridges on such a binary where this machine's Node is older.
    execPath: process.env.BENCH_NODE ?? process.execPath,
    execArgv: [
      ...CONTAINER_NODE_OPTIONS,
      ...(profile ? ['--cpu-prof', '--cpu-prof-dir=.local/prof'] : []),
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: { ...env, MEDIA_PORT: String(port), PASS_THROUGH_MODEL_URL: modelUrl, POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'ERROR', NODE_OPTIONS: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await untilReady(child, kind);
  return {
    kind,
    async stats() {
      if (kind === 'engine') {
        const engine = await mediaProcessStats(child);
        return { activeCalls: engine.activeCalls, cpu: engine.cpu, rss: engine.rss, engine };
      }
      return askStats<BridgeStats>(child, 'cpu');
    },
    resetStats: () => void (kind === 'engine' && child.send('reset-stats')),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
