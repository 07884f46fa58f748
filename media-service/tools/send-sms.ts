import { z } from 'zod';
import { e164Schema } from '../../shared/phone';
import { ToolError } from './runner';
import type { ToolDefinition } from './types';

/** Two SMS segments: enough for a confirmation, too little to be abused as a bulk sender. */
export const SMS_MAX_CHARS = 320;

const parameters = z.object({
  message: z.string().trim().min(1).max(SMS_MAX_CHARS).describe(`The text to send, at most ${SMS_MAX_CHARS} characters.`),
  to: e164Schema
    .optional()
    .describe('Leave this out: the message always goes to the number being called. Any other number is refused.'),
});

/** Texts the person on the call, through Twilio Messages, from the number the call comes from. */
export const sendSmsTool: ToolDefinition<typeof parameters> = {
  name: 'send_sms',
  description: 'Sends a short text message to the phone number you are calling (for example a booking confirmation).',
  parameters,
  timeoutMs: 8_000,
  async execute({ message, to }, context) {
    // The toll-fraud and spam guard: the model never chooses the destination.
    if (to !== undefined && to !== context.to) throw new ToolError('I can only send a text message to the number I am calling.');
    try {
      const sent = await context.services.twilio().messages.create({ to: context.to, from: context.from, body: message });
      return { sent: true, messageSid: sent.sid };
    } catch (error) {
      throw new ToolError('The text message could not be sent. Tell the caller and move on.', { cause: error });
    }
  },
};
