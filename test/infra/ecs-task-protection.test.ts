import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_PROTECTION_MINUTES, setTaskScaleInProtection } from '../../media-service/ecs-task-protection';

// A stand-in for the ECS agent's task-protection endpoint on loopback.
interface Seen {
  method: string | undefined;
  url: string | undefined;
  contentType: string | undefined;
  body: unknown;
}
let server: Server;
let agentUri: string;
let seen: Seen[] = [];
let reply: { status: number; body: string } = { status: 200, body: '{"protection":{"ProtectionEnabled":true}}' };

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await readBody(req);
    seen.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agentUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/task-id`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  seen = [];
  reply = { status: 200, body: '{"protection":{"ProtectionEnabled":true}}' };
  vi.unstubAllEnvs();
});

describe('setTaskScaleInProtection', () => {
  it('PUTs ProtectionEnabled and ExpiresInMinutes to $ECS_AGENT_URI/task-protection/v1/state', async () => {
    // Prepare
    vi.stubEnv('ECS_AGENT_URI', agentUri);
    const onError = vi.fn();
    // Act
    await setTaskScaleInProtection(true, 30, { onError });
    // Assess
    expect(onError).not.toHaveBeenCalled();
    expect(seen).toEqual([
      {
        method: 'PUT',
        url: '/api/task-id/task-protection/v1/state',
        contentType: 'application/json',
        body: { ProtectionEnabled: true, ExpiresInMinutes: 30 },
      },
    ]);
  });

  it('turns protection off without an expiry', async () => {
    vi.stubEnv('ECS_AGENT_URI', agentUri);
    await setTaskScaleInProtection(false, 30);
    expect(seen[0]!.body).toEqual({ ProtectionEnabled: false });
  });

  it('keeps the expiry inside what ECS accepts (1 to 2880 minutes, whole minutes)', async () => {
    vi.stubEnv('ECS_AGENT_URI', agentUri);
    await setTaskScaleInProtection(true, 0.2);
    await setTaskScaleInProtection(true, 10_000);
    await setTaskScaleInProtection(true, 14.5);
    expect(seen.map((s) => (s.body as { ExpiresInMinutes: number }).ExpiresInMinutes)).toEqual([1, MAX_PROTECTION_MINUTES, 15]);
  });

  it('is a no-op outside ECS', async () => {
    vi.stubEnv('ECS_AGENT_URI', '');
    const fetch = vi.fn();
    await setTaskScaleInProtection(true, 10, { fetch });
    expect(fetch).not.toHaveBeenCalled();
    expect(seen).toEqual([]);
  });

  it('reports a non-2xx answer to onError and does not throw', async () => {
    reply = { status: 400, body: '{"error":{"Code":"InvalidParameterException"}}' };
    const onError = vi.fn();
    await expect(setTaskScaleInProtection(true, 10, { agentUri, onError })).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledOnce();
    expect((onError.mock.calls[0]![0] as Error).message).toMatch(/400.*InvalidParameterException/);
  });

  it('reports a failure carried by a 200 answer', async () => {
    reply = { status: 200, body: '{"failure":{"Arn":"arn:aws:ecs:…","Reason":"TASK_NOT_VALID"}}' };
    const onError = vi.fn();
    await setTaskScaleInProtection(true, 10, { agentUri, onError });
    expect((onError.mock.calls[0]![0] as Error).message).toMatch(/TASK_NOT_VALID/);
  });

  it('reports an unreachable agent and survives a throwing onError', async () => {
    const onError = vi.fn(() => {
      throw new Error('logger broke');
    });
    await expect(
      setTaskScaleInProtection(true, 10, { agentUri: 'http://127.0.0.1:1', onError, timeoutMs: 1000 }),
    ).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledOnce();
  });

  it('reports a bad expiry without calling the agent', async () => {
    const onError = vi.fn();
    await setTaskScaleInProtection(true, Number.NaN, { agentUri, onError });
    expect(onError).toHaveBeenCalledOnce();
    expect(seen).toEqual([]);
  });
});
