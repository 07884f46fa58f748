import { z } from 'zod';
import { maskPhone } from '../../shared/phone';
import type { ToolDefinition } from './types';

const parameters = z.object({
  reason: z.string().trim().max(200).optional().describe('Why the caller is being transferred, in a few words.'),
});

/**
 * Hands the caller to a person at `destination` (TRANSFER_NUMBER, or the call's own
 * `transferTo`). The model never names the number: it only decides when.
 */
export function transferCallTool(destination: string): ToolDefinition<typeof parameters> {
  return {
    name: 'transfer_call',
    description:
      'Transfers the caller to a human colleague. First tell the caller, in the same turn, that you are transferring them now; the transfer happens after that has played.',
    parameters,
    timeoutMs: 25_000,
    async execute(_args, context) {
      await context.callControl.transfer(destination);
      return { transferred: true, to: maskPhone(destination) };
    },
  };
}
