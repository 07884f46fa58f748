import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('./web/', import.meta.url));

export interface Asset {
  contentType: string;
  body: Buffer;
}

/** The page, and its TypeScript and stylesheets bundled by esbuild at start-up (no build step, no files written). */
export async function buildConsoleAssets(): Promise<Map<string, Asset>> {
  const result = await build({
    absWorkingDir: WEB,
    entryPoints: { app: 'app.ts', 'audio-worklets': 'audio/worklets.ts', style: 'style.css' },
    bundle: true,
    format: 'esm',
    target: 'chrome114',
    sourcemap: 'inline',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(name, { contentType, body: Buffer.from(file.contents) });
  }
  assets.set('index.html', { contentType: 'text/html; charset=utf-8', body: await readFile(`${WEB}index.html`) });
  return assets;
}
