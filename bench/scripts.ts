import type { AgentScript } from '../local/fake-openai/server';
import type { CalleeScript } from '../local/twilio-sim';

/** The benchmark's agent: a greeting, then a short answer to every caller turn, for as long as the call lasts. */
export const benchAgentScript: AgentScript = {
  next: ({ trigger }) => (trigger === 'greeting' ? { say: 'Hello, this is the benchmark agent.' } : { say: 'Got it, thank you.' }),
};

/** One exchange (a short line, the agent's answer, the pauses around them) takes about this long. */
const EXCHANGE_SECONDS = 4;

/**
 * A callee that talks in turns for about `durationSeconds`, then hangs up once the agent's
 * last answer has played (never mid-sentence, so every frame sent is a frame that should arrive).
 */
export function benchCallee(durationSeconds: number): CalleeScript {
  const exchanges = Math.max(1, Math.round(durationSeconds / EXCHANGE_SECONDS));
  return {
    utterances: Array.from({ length: exchanges }, (_, i) => `Line ${i + 1}.`),
    hangUpAfterAgentTurns: exchanges + 1,
    maxCallMs: durationSeconds * 3000,
  };
}
