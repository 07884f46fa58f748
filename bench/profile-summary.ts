import { readFile } from 'node:fs/promises';

/**
 * Where a `.cpuprofile` (from `MEDIA_CPU_PROFILE=1 npm run bench`) spent its time: self time by
 * function and by package, as shares of the profile. `npx tsx bench/profile-summary.ts FILE [TOP]`
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
const profile = JSON.parse(await readFile(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = new Set(['(idle)', '(program)']);

/**
 * The bundle the profile ran: esbuild heads each module's code with a `// path` comment, so a
 * line of the bundle tells which package (or project file) the code came from.
 */
const bundles = new Map<string, { lines: number[]; sources: string[] }>();
async function sourceOf(url: string, lineNumber: number): Promise<string | undefined> {
  if (!url.startsWith('file://') || !url.endsWith('.mjs')) return undefined;
  let bundle = bundles.get(url);
  if (!bundle) {
    bundle = { lines: [], sources: [] };
    const text = await readFile(new URL(url), 'utf8').catch(() => '');
    text.split('\n').forEach((line, i) => {
      const m = /^\/\/ (\S+\.(?:[cm]?js|ts))$/.exec(line);
      if (m) {
        bundle!.lines.push(i);
        bundle!.sources.push(m[1]!);
      }
    });
    bundles.set(url, bundle);
  }
  let lo = 0;
  let hi = bundle.lines.length - 1;
  let found: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bundle.lines[mid]! <= lineNumber) {
      found = bundle.sources[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
const packageOf = (path: string) => (path.includes('node_modules/') ? (path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? 'node_modules') : path.replace(/^(\.\.\/)+/, ''));

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (!us) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(media-service|shared)\//, '$1/');
  const name = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const bundled = await sourceOf(url, lineNumber);
  const pkg = idle.has(functionName)
    ? functionName
    : bundled
      ? packageOf(bundled)
      : url.includes('node_modules/')
        ? packageOf(url)
        : url.startsWith('node:')
          ? 'node core'
          : url
            ? 'project'
            : functionName;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

const busy = total - (byPackage.get('(idle)') ?? 0);
const show = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title} (share of busy time, ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s)`);
  for (const [name, us] of [...map].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${((us / busy) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
};
show('By package (or project file)', byPackage, 25);
show('By function (self time)', byFunction, Number(top));
