import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeVoiceCode } from '../local/audio/voice-code';
import { devConsole } from '../local/console/index';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { POLICY_VIOLATION } from '../media-service/call-bridge';
import { startMessage } from './support/raw-stream';
import { eventsFor, sleep, startTestStack, waitForEvent } from './support/stack';
import { padWithSilence, writeWav } from './support/wav';

/** What the fake agent opens with for the console's sample instructions (Ava, Northwind Dental, name=Sam). */
const SAMPLE_GREETING =
  "Hi Sam, this is Ava from Northwind Dental. I'm calling to confirm a cleaning appointment on Tuesday afternoon. Do you have a minute?";

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
const CALLER_WORDS = 'Hello from the browser';
const MIC_RATE = 48_000;
const runs = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runs) console.warn(`Skipping the dev console e2e test: ${CHROMIUM} is missing (apt-get install -y chromium). In CI it always runs.`);

let stack: LocalStack;
let browser: Browser;
let page: Page;
let workDir: string;

beforeAll(async () => {
  stack = await startTestStack({ extraRoute: devConsole });
});
afterAll(async () => {
  await stack?.close();
});

describe.skipIf(!runs)('the dev console in headless Chromium', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'console-test-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    // The fake microphone says the caller's words as voice code, which the fake model transcribes.
    const microphone = join(workDir, 'microphone.wav');
    writeWav(microphone, padWithSilence(encodeVoiceCode(CALLER_WORDS, MIC_RATE), MIC_RATE, 6, 14), MIC_RATE);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${microphone}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('places a browser call against the fake model: live transcript, one event on the bus, screenshots', { timeout: 150_000 }, async () => {
    const tickets: string[] = [];
    page.on('websocket', (socket) => tickets.push(new URL(socket.url()).searchParams.get('ticket') ?? ''));

    // Prepare: the key, once; then a phone call from the form, so the list has both kinds.
    await page.goto(`${stack.apiUrl}/console`);
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { level: 1, name: 'Calls' }).waitFor();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Place a call' }).click();
    await page.getByLabel('To', { exact: true }).fill('+15557770100');
    await page.getByRole('button', { name: 'Place call' }).click();
    await page.waitForURL(/#\/calls\/console-/);

    // Act: call me in the browser.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Talk to the agent' }).click();
    await page.getByLabel('Voice processing').uncheck();
    await page.getByRole('button', { name: 'Call me in the browser' }).click();
    await page.waitForURL(/#\/calls\/browser-/);
    const callbackId = decodeURIComponent(new URL(page.url()).hash.replace('#/calls/', ''));

    // Assess: the transcript shows the greeting, the caller's words, and the agent quoting them.
    const transcript = page.getByRole('log', { name: 'Transcript' });
    await transcript.getByText(SAMPLE_GREETING).waitFor({ timeout: 30_000 });
    await transcript.getByText(CALLER_WORDS, { exact: true }).waitFor({ timeout: 40_000 });
    await transcript.getByText(`You said "${CALLER_WORDS}"`).waitFor({ timeout: 40_000 });
    await page.screenshot({ path: `${ARTIFACTS}/console-call-live.png`, fullPage: true });

    await page.getByRole('button', { name: 'Hang up' }).click();
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 30_000));
    expect(detail).toMatchObject({ outcome: 'completed', transcriptComplete: true, metadata: { channel: 'browser' }, error: null });
    expect(detail.transcript[0]).toMatchObject({ role: 'assistant', text: SAMPLE_GREETING });
    expect(detail.transcript).toContainEqual(expect.objectContaining({ role: 'user', text: CALLER_WORDS }));
    expect(detail.durationSeconds).toBeGreaterThan(0);

    await page.getByText(`"eventId": "${detail.eventId}"`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}/console-call.png`, fullPage: true });
    await page.getByRole('link', { name: 'All calls' }).click();
    await page.getByRole('link', { name: new RegExp(callbackId) }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/console-calls.png`, fullPage: true });

    // The stream went through the media service's own checks, and nothing can reuse its way in.
    const stored = await stack.deps.store.get(callbackId);
    expect(stored?.status).toBe('completed');
    expect(stored?.streamStartedAt, 'the media service accepted the stream').toBeDefined();
    expect(stored?.streamTokenHash, 'the stream token is used up').toBeUndefined();
    expect(tickets).toHaveLength(1);
    expect(await upgradeStatus(`/console/media-stream?ticket=${encodeURIComponent(tickets[0]!)}`)).toBe(401);
    await sleep(500);
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });

});

describe('the browser-call edge, spoken by a plain WebSocket client', () => {
  it('keeps its API behind the API key and its relay behind a same-origin ticket', async () => {
    expect((await fetch(`${stack.apiUrl}/console/api/calls`)).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/console/api/calls`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    const refused = await fetch(`${stack.apiUrl}/console/api/browser-calls`, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(401);
    expect(await upgradeStatus('/console/media-stream?ticket=forged')).toBe(401);
    expect(await upgradeStatus('/console/media-stream')).toBe(401);
    const placed = await placeBrowserCall();
    expect(await upgradeStatus(`/console/media-stream?ticket=${placed.ticket}`, 'https://elsewhere.example')).toBe(403);
  });

  it('refuses settings the initiate schema refuses', async () => {
    const res = await fetch(`${stack.apiUrl}/console/api/browser-calls`, {
      method: 'POST',
      headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'nobody', to: '+15551234567' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_error');
  });

  it('a wrong stream token is refused by the media service itself, and the call ends as failed', async () => {
    const placed = await placeBrowserCall();
    const socket = new WebSocket(`${stack.apiUrl.replace('http', 'ws')}${placed.mediaStreamPath}?ticket=${placed.ticket}`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify(startMessage(placed.callbackId, 'not-the-token', placed.callSid)));
    const closed = await new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect(closed).toBe(POLICY_VIOLATION);
    const { detail } = await waitForEvent(stack, placed.callbackId, 10_000);
    expect(detail).toMatchObject({ outcome: 'failed', error: { code: 'media_stream_refused' }, transcript: [] });
  });
});

async function placeBrowserCall(): Promise<{ callbackId: string; callSid: string; ticket: string; mediaStreamPath: string }> {
  const res = await fetch(`${stack.apiUrl}/console/api/browser-calls`, {
    method: 'POST',
    headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ instructions: 'Your name is Ava.' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { callbackId: string; callSid: string; ticket: string; mediaStreamPath: string };
}

/** The HTTP status a WebSocket upgrade to the API port gets (101 when it is accepted). */
function upgradeStatus(path: string, origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${stack.apiUrl.replace('http', 'ws')}${path}`, origin ? { origin } : {});
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', () => resolve(0));
  });
}
