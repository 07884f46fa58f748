import { z } from 'zod';
import type { ToolDefinition } from './types';

const parameters = z.object({
  digits: z
    .string()
    .regex(/^[0-9*#A-Dw]{1,32}$/, 'use only 0-9, *, #, A-D, and w for a half-second pause')
    .describe('Keys to press, e.g. "1" or "2w4#" (w waits half a second).'),
});

/** Presses keys on the phone keypad, to get through an automated phone menu. */
export const sendDtmfTool: ToolDefinition<typeof parameters> = {
  name: 'send_dtmf',
  description: 'Presses keys on the phone keypad, for example to choose an option in an automated phone menu ("press 1 for sales").',
  parameters,
  timeoutMs: 15_000,
  async execute({ digits }, context) {
    await context.callControl.sendDigits(digits);
    return { pressed: digits };
  },
};
