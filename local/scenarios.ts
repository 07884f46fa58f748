import type { CalleeScript } from './twilio-sim';

/** The simulated callee of the main demo: two answers, then it waits for the agent's goodbye. */
export const DEFAULT_CALLEE: CalleeScript = {
  utterances: ['Yes, this is Sam speaking. I have a minute.', 'Tuesday afternoon works best for me.'],
  hangUpAfterAgentTurns: 3,
  maxCallMs: 60_000,
};
