import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlingDefaults } from '../infra/defaults';
import type { LocalStack } from '../local/stack';
import { apiEvent } from './support/api-event';
import { startTestStack, uniqueId } from './support/stack';

/**
 * The handlers as Lambda runs them: the esbuild ESM bundle CDK builds (the same options), loaded
 * by plain `node` in a process of its own, not through the test runner's module loader.
 */
let stack: LocalStack;
let dir: string;
const bundles: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'lambda-bundle-'));
  const cdk = bundlingDefaults();
  for (const name of ['initiate', 'twiml']) {
    bundles[name] = join(dir, `${name}.mjs`);
    await build({
      entryPoints: [fileURLToPath(new URL(`../functions/${name}.ts`, import.meta.url))],
      outfile: bundles[name],
      bundle: true,
      platform: 'node',
      format: cdk.format,
      target: cdk.target,
      minify: cdk.minify,
      sourcemap: cdk.sourceMap,
      banner: { js: cdk.banner! },
      external: cdk.externalModules,
      logLevel: 'error',
    });
  }
}, 120_000);
afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Invokes a bundle's `handler` once with `event`, in a fresh `node` process with `env`. */
function invoke(bundle: string, event: unknown, env: NodeJS.ProcessEnv): Promise<{ result?: any; error?: string }> {
  const script = `const { handler } = await import(process.argv[1]);
try { process.stdout.write(JSON.stringify({ result: await handler(JSON.parse(process.argv[2])) })); }
catch (error) { process.stdout.write(JSON.stringify({ error: String(error && error.message) })); }`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, bundle, JSON.stringify(event)],
      { env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'ERROR', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`the bundle did not answer: ${error?.message ?? ''} ${stderr}`));
        }
      },
    );
  });
}

describe('Lambda bundles as production builds them', () => {
  it('initiate: a Twilio refusal is a 502 that a retry may try again, not a 500 and a wedged callbackId', async () => {
    const to = '+15557770021';
    stack.twilio!.setBehaviour(to, { kind: 'answer', createError: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number" } });
    const body = { callbackId: uniqueId('bundle'), to };
    const event = apiEvent('POST', '/call/initiate', body, { 'x-api-key': stack.apiKey });

    const first = await invoke(bundles.initiate!, event, stack.env);
    expect(first.result?.statusCode).toBe(502);
    expect(JSON.parse(first.result.body).error).toMatchObject({ code: 'twilio_error', details: { twilioCode: 21211 } });

    const retry = await invoke(bundles.initiate!, event, stack.env);
    expect(retry.result?.statusCode).toBe(502);
    expect(JSON.parse(retry.result.body).error.code).toBe('twilio_error');
  });

  it('twiml: outside the local stage the function refuses to start without TWILIO_AUTH_TOKEN', async () => {
    const { TWILIO_AUTH_TOKEN: _token, ...env } = stack.env;
    const event = apiEvent('POST', '/twiml/outbound', undefined, { 'x-twilio-signature': 'forged' });
    const deployed = await invoke(bundles.twiml!, event, { ...env, STAGE: 'prod', ALLOWED_DESTINATION_PREFIXES: '+1' });
    expect(deployed.error).toMatch(/TWILIO_AUTH_TOKEN is required outside the local stage/);
  });
});
