import { languageTexts } from '../shared/languages';

/** The agent's instructions when neither SYSTEM_PROMPT nor the call gives any. */
export const DEFAULT_INSTRUCTIONS = [
  'You are a friendly, concise voice assistant on an outbound phone call.',
  'Greet the person as soon as the call connects, say who you are and why you are calling, and keep every reply short.',
  'Speak naturally; never read out lists, markup or URLs.',
  'When the conversation is over, say a short goodbye and then end the call with end_call.',
].join(' ');

/** Fills `{{name}}` placeholders from the call's variables; unknown names are left as written. */
export function renderInstructions(template: string, variables: Record<string, string> = {}): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (match, name: string) => (Object.hasOwn(variables, name) ? variables[name]! : match));
}

/** Instructions the agent gets when the call reaches its time limit. */
export const SILENCE_CHECK_INSTRUCTIONS = 'The caller has said nothing for a while. Ask once, in a few words, whether they are still there.';
export const SILENCE_GOODBYE_INSTRUCTIONS = 'The caller is still not answering. Say you will end the call now and say goodbye in one short sentence.';
export const CANCEL_INSTRUCTIONS = 'This call has to end now. Apologize briefly, say someone will be in touch, and say goodbye in one short sentence.';
export const TIME_UP_INSTRUCTIONS = 'The call has reached its time limit. Politely tell the caller you have to go now and say goodbye in one short sentence.';

/** Instructions for a session that replaces one that dropped mid-call: the original ones plus the conversation so far. */
export function resumeInstructions(base: string, transcript: readonly { role: 'user' | 'assistant'; text: string }[]): string {
  const lines = transcript.map((turn) => `${turn.role === 'assistant' ? 'You' : 'Caller'}: ${turn.text}`);
  return [
    base,
    'The call is already in progress; the connection to you was briefly lost and has been restored.',
    lines.length ? `The conversation so far:\n${lines.join('\n')}` : 'Nothing had been said yet.',
    'Do not greet the caller again; continue from where the conversation stopped.',
  ].join('\n\n');
}

/** What the agent says first after a reconnect. */
export const RESUME_RESPONSE_INSTRUCTIONS = 'Briefly apologize for the interruption in a few words, then continue the conversation where it stopped.';

/** Instructions for a call in `language`: a line in that language first, so the agent speaks it whatever the rest is written in. */
export function inLanguage(instructions: string, language: string | undefined): string {
  const texts = language ? languageTexts(language) : undefined;
  return texts ? `${texts.instructionsPrefix}\n\n${instructions}` : instructions;
}
