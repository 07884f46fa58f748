import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GoogleApiError } from './errors';
import type { AccessGrant } from './oauth';

/** Gmail `users.messages.send`: decodes the RFC 5322 `raw` message and keeps it. */

export interface SentMessage {
  id: string;
  threadId: string;
  /** The mailbox it was sent from: the impersonated user. */
  sender: string;
  from?: string;
  to?: string;
  subject?: string;
  body: string;
  raw: string;
  at: number;
}

const sendBody = z.looseObject({ raw: z.string().min(1) });

export class FakeGmail {
  readonly sent: SentMessage[] = [];

  send(userId: string, grant: AccessGrant, body: unknown): { id: string; threadId: string; labelIds: string[] } {
    // A service account has no mailbox of its own: Gmail needs domain-wide delegation.
    if (!grant.subject) throw new GoogleApiError(400, 'Precondition check failed.', 'failedPrecondition', 'FAILED_PRECONDITION');
    if (userId !== 'me' && userId !== grant.subject) throw new GoogleApiError(403, 'Delegation denied for ' + grant.subject, 'forbidden');
    const parsed = sendBody.safeParse(body);
    if (!parsed.success) throw new GoogleApiError(400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required", 'invalidArgument');
    const message = parseMessage(Buffer.from(parsed.data.raw, 'base64url').toString('utf8'));
    if (!message.headers.to) throw new GoogleApiError(400, 'Invalid To header', 'invalidArgument');
    const id = randomBytes(8).toString('hex');
    this.sent.push({
      id,
      threadId: id,
      sender: grant.subject,
      from: message.headers.from,
      to: message.headers.to,
      subject: message.headers.subject,
      body: message.body,
      raw: parsed.data.raw,
      at: Date.now(),
    });
    return { id, threadId: id, labelIds: ['SENT'] };
  }
}

function parseMessage(text: string): { headers: Record<string, string>; body: string } {
  const split = text.search(/\r?\n\r?\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const rawBody = split < 0 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const body = /base64/i.test(headers['content-transfer-encoding'] ?? '') ? Buffer.from(rawBody.replace(/\s+/g, ''), 'base64').toString('utf8') : rawBody;
  return { headers, body };
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`) in a header value. */
function decodeWords(value: string): string {
  return value.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : text.replace(/_/g, ' '),
  );
}
