import type { IncomingMessage } from 'node:http';

/**
 * The whole body of a request to a local server, as text. With `limit`, a body that grows past
 * `limit.bytes` fails with `limit.error()` as soon as it does.
 */
export async function readRequestText(req: IncomingMessage, limit?: { bytes: number; error: () => Error }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (limit && size > limit.bytes) throw limit.error();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
