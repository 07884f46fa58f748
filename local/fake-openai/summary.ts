/** A deterministic "post-call summary" built from the text the client sent. */
export interface PromptMessage {
  role: string;
  text: string;
}

const CALLEE_LINE = /^\s*(?:\[[^\]]*\]\s*)?(?:user|callee|caller|customer|human|contact|recipient)\s*:\s*(.+?)\s*$/im;

/**
 * The first thing the callee said: the first transcript line labelled as theirs. Unlabelled
 * text and the agent's lines are never attributed to the callee.
 */
export function firstCalleeLine(messages: PromptMessage[]): string | undefined {
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') continue;
    const labelled = CALLEE_LINE.exec(message.text)?.[1];
    if (labelled) return labelled;
  }
  return undefined;
}

export function summarize(messages: PromptMessage[]): string {
  const line = firstCalleeLine(messages);
  return line
    ? `The assistant spoke with the callee. The callee said: "${line}".`
    : 'The assistant spoke with the callee. The callee said nothing.';
}

/** Chat `content` (string or parts) or Responses `content` (string or input/output_text parts) → text. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .filter(Boolean)
    .join('\n');
}
