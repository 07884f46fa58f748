import OpenAI from 'openai';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../../shared/config';
import type { TranscriptTurn } from '../../shared/call-record';

export const SUMMARY_PROMPT = [
  'You summarize phone calls placed by an AI voice agent.',
  'Write two or three plain sentences: who was reached, what was discussed or agreed, and any follow-up (meetings booked, messages sent).',
  'Do not invent details that are not in the transcript.',
].join(' ');

const SUMMARY_TIMEOUT_MS = 20_000;

export function transcriptAsText(transcript: readonly TranscriptTurn[]): string {
  return transcript.map((turn) => `${turn.role === 'assistant' ? 'Agent' : 'Callee'}: ${turn.text}`).join('\n');
}

/** A short post-call summary from the text model, or undefined when disabled, empty or failed. */
export async function summarizeCall(c: Config, transcript: readonly TranscriptTurn[], log: Logger): Promise<string | undefined> {
  if (!c.SUMMARY_ENABLED || transcript.length === 0 || !c.OPENAI_API_KEY) return undefined;
  try {
    const client = new OpenAI({ apiKey: c.OPENAI_API_KEY, baseURL: c.OPENAI_BASE_URL, timeout: SUMMARY_TIMEOUT_MS, maxRetries: 1 });
    const completion = await client.chat.completions.create({
      model: c.SUMMARY_MODEL,
      messages: [
        { role: 'system', content: SUMMARY_PROMPT },
        { role: 'user', content: transcriptAsText(transcript) },
      ],
    });
    return completion.choices[0]?.message.content?.trim() || undefined;
  } catch (error) {
    log.warn('Post-call summary failed', { error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}
