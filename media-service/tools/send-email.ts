import { z } from 'zod';
import type { InitiateRequest } from '../../shared/call-record';
import { ToolError } from './runner';
import type { ToolContext, ToolDefinition } from './types';

const noLineBreaks = /^[^\r\n]*$/;

const parameters = z.object({
  to: z.email().describe("The caller's e-mail address, as they spelled it out."),
  subject: z.string().trim().min(1).max(150).regex(noLineBreaks, 'must be one line'),
  body: z.string().trim().min(1).max(5_000).describe('Plain text.'),
});

/** Sends one plain-text e-mail through Gmail as GOOGLE_IMPERSONATED_USER (domain-wide delegation). */
export const sendEmailTool: ToolDefinition<typeof parameters> = {
  name: 'send_email',
  description: 'Sends a short plain-text e-mail to an address you were given for this call. Read the address back first.',
  parameters,
  timeoutMs: 10_000,
  async execute({ to, subject, body }, context) {
    const sender = context.config.GOOGLE_IMPERSONATED_USER;
    if (!sender) throw new ToolError('E-mail is not available on this call.');
    if (!mayWriteTo(to, context)) throw new ToolError('I can only send e-mail to an address I was given for this call.');
    const raw = Buffer.from(mimeMessage({ from: sender, to, subject, body })).toString('base64url');
    try {
      const { data } = await context.services.google().gmail.users.messages.send({ userId: 'me', requestBody: { raw } }, { signal: context.signal });
      return { sent: true, to, messageId: data.id };
    } catch (error) {
      throw new ToolError('The e-mail could not be sent. Tell the caller and move on.', { cause: error });
    }
  },
};

/** The addresses a call's request names: variables whose value is one e-mail address. */
export function requestedEmailRecipients(request: Pick<InitiateRequest, 'variables'>): string[] {
  return Object.values(request.variables ?? {}).map((v) => v.trim()).filter((v) => z.email().safeParse(v).success);
}

/** The model may write to an address the request named or one in EMAIL_ALLOWED_DOMAINS, never to one it was told on the call. */
function mayWriteTo(address: string, context: Pick<ToolContext, 'emailRecipients' | 'config'>): boolean {
  const wanted = address.toLowerCase();
  if ((context.emailRecipients ?? []).some((named) => named.toLowerCase() === wanted)) return true;
  const domain = wanted.slice(wanted.lastIndexOf('@') + 1);
  return (context.config.EMAIL_ALLOWED_DOMAINS ?? []).some((allowed) => (allowed.startsWith('.') ? domain.endsWith(allowed) : domain === allowed));
}

/** An RFC 5322 message with a UTF-8 subject (RFC 2047) and a base64 body, as Gmail's `raw` expects. */
export function mimeMessage(message: { from: string; to: string; subject: string; body: string }): string {
  const subject = /^[\x20-\x7e]*$/.test(message.subject)
    ? message.subject
    : `=?UTF-8?B?${Buffer.from(message.subject).toString('base64')}?=`;
  return [
    `From: ${message.from}`,
    `To: ${message.to}`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(message.body).toString('base64').replace(/.{76}/g, '$&\r\n'),
  ].join('\r\n');
}
