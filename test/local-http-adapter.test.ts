import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveLambdaRoutes, type LambdaHttpServer } from '../local/lambda-http';

let server: LambdaHttpServer;
const seen: string[] = [];

beforeAll(async () => {
  server = await serveLambdaRoutes(0);
  const echo = async (event: { rawPath: string; body?: string }) => {
    seen.push(event.rawPath);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ length: event.body?.length ?? 0 }) };
  };
  server.setRoutes([
    { method: 'GET', path: '/calls/{callbackId}', handler: echo as never },
    { method: 'POST', path: '/echo', handler: echo as never },
  ]);
});
afterAll(async () => {
  await server?.close();
});

/** One request over node's own HTTP client; the body is written in 64 KB chunks as a streaming client would. */
function send(method: string, path: string, bodyBytes = 0): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: bodyBytes ? { 'content-type': 'application/json', 'content-length': bodyBytes } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let left = bodyBytes;
    const pump = (): void => {
      while (left > 0) {
        const piece = chunk.subarray(0, Math.min(left, chunk.length));
        left -= piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('local API adapter', () => {
  it.each([
    ['the path', '/calls/%E0%A4%A'],
    ['the query', '/calls/abc?x=%zz'],
  ])('answers a bad percent-encoding in %s with a 400 JSON error, without calling the handler', async (_where, path) => {
    const before = seen.length;
    const res = await send('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(seen.length).toBe(before);
  });

  it('answers a body over the limit with a 413 JSON the client can read, not a reset', async () => {
    const res = await send('POST', '/echo', 12 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('still passes well-formed escapes and bodies through', async () => {
    expect((await send('GET', '/calls/a%20b?x=%41')).status).toBe(200);
    expect(seen.at(-1)).toBe('/calls/a%20b');
    expect(await send('POST', '/echo', 1000)).toEqual({ status: 200, body: { length: 1000 } });
  });
});
