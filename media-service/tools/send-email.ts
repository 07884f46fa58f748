import { z } from 'zod';
import { ToolError } from './runner';
import type { ToolDefinition } from './types';

const noLineBreaks = /^[^\r\n]*$/;

const parameters = z.object({
  to: z.email().describe("The caller's e-mail address, as they spelled it out."),
  subject: z.string().trim().min(1).max(150).regex(noLineBreaks, 'must be one line'),
  body: z.string().trim().min(1).max(5_000).describe('Plain text.'),
});

/** Sends one plain-text e-mail through Gmail as GOOGLE_IMPERSONATED_USER (domain-wide delegation). */
export const sendEmailTool: ToolDefinition<typeof parameters> = {
  name: 'send_email',
  description: 'Sends a short plain-text e-mail to one address the caller gave you. Read the address back to them first.',
  parameters,
  timeoutMs: 10_000,
  async execute({ to, subject, body }, context) {
    const sender = context.config.GOOGLE_IMPERSONATED_USER;
    if (!sender) throw new ToolError('E-mail is not available on this call.');
    const raw = Buffer.from(mimeMessage({ from: sender, to, subject, body })).toString('base64url');
    try {
      const { data } = await context.services.google().gmail.users.messages.send({ userId: 'me', requestBody: { raw } }, { signal: context.signal });
      return { sent: true, to, messageId: data.id };
    } catch (error) {
      throw new ToolError('The e-mail could not be sent. Tell the caller and move on.', { cause: error });
    }
  },
};

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
