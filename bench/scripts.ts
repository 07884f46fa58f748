import type { AgentScript } from '../local/fake-openai/server';
import type { CalleeScript } from '../local/twilio-sim';

/** The benchmark's agent: a greeting, then a short answer to every caller turn, for as long as the call lasts. */
export const benchAgentScript: AgentScript = {
  next: ({ trigger }) => (trigger === 'greeting' ? { say: 'Hello, this is the benchmark agent.' } : { say: 'Got it, thank you.' }),
};

/** A callee that keeps talking in turns until `durationSeconds` have passed, then hangs up. */
export function benchCallee(durationSeconds: number): CalleeScript {
  const turns = Math.max(2, Math.ceil(durationSeconds / 2));
  return {
    utterances: Array.from({ length: turns }, (_, i) => `Line ${i + 1}.`),
    maxCallMs: durationSeconds * 1000,
  };
}
