import { z } from 'zod';
import type { ToolDefinition } from './types';

const parameters = z.object({
  reason: z.string().trim().max(200).optional().describe('Why the call is ending, in a few words.'),
});

/** Hangs up once the goodbye the agent just said has finished playing to the caller. */
export const endCallTool: ToolDefinition<typeof parameters> = {
  name: 'end_call',
  description:
    'Ends the phone call. First say a short goodbye in the same turn; the call hangs up after your goodbye has played. Use it when the conversation is over or the caller asks to end it.',
  parameters,
  // Covers a long goodbye still playing (the bridge bounds the wait for playback itself).
  timeoutMs: 25_000,
  async execute({ reason }, context) {
    await context.callControl.hangUpAfterPlayback(reason ? `agent ended the call: ${reason}` : 'agent ended the call');
    return { ended: true };
  },
};
