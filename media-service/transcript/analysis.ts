import OpenAI from 'openai';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AnalysisRequest, TranscriptTurn } from '../../shared/call-record';
import type { Config } from '../../shared/config';
import { compileJsonSchema, type JsonSchemaObject } from '../../shared/json-schema';
import { transcriptAsText } from './summary';

export const ANALYSIS_PROMPT = [
  'You analyse the transcript of a phone call placed by an AI voice agent.',
  'Fill in "data" from what was actually said, following its schema; leave out or null what the call did not establish. Never invent facts.',
  'Set "successful" to true only if the call met this success criterion, judged from the transcript alone:',
].join(' ');

const ANALYSIS_TIMEOUT_MS = 30_000;

export interface CallAnalysis {
  data: unknown;
  successful: boolean;
}

/** Where the caller's root schema lives in the response schema when it refers to itself (`"$ref": "#"`). */
const CALLER_ROOT = 'call_data';

/**
 * The caller's schema becomes the `data` property of a wrapper that adds the verdict. Its
 * definitions move to the wrapper's `$defs` (the one place `$ref`s may point, for OpenAI and
 * for the validator alike), and `$ref`s are rewritten to match.
 */
export function analysisResponseSchema(callerSchema: JsonSchemaObject): JsonSchemaObject {
  const { $defs, definitions, $schema: _dialect, $id: _id, ...root } = callerSchema as JsonSchemaObject & {
    $defs?: JsonSchemaObject;
    definitions?: JsonSchemaObject;
  };
  const data = rewriteRefs(root) as JsonSchemaObject;
  const defs = rewriteRefs({ ...definitions, ...$defs }) as JsonSchemaObject;
  const refersToRoot = JSON.stringify(callerSchema).includes('"$ref":"#"');
  return {
    type: 'object',
    properties: {
      data,
      successful: { type: 'boolean', description: 'Whether the call met the success criterion.' },
    },
    required: ['data', 'successful'],
    additionalProperties: false,
    ...(Object.keys(defs).length || refersToRoot ? { $defs: { ...defs, ...(refersToRoot ? { [CALLER_ROOT]: data } : {}) } } : {}),
  };
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? rewriteRef(value) : rewriteRefs(value)]),
  );
}

function rewriteRef(ref: string): string {
  if (ref === '#') return `#/$defs/${CALLER_ROOT}`;
  return ref.replace(/^#\/definitions\//, '#/$defs/');
}

/**
 * The structured post-call analysis the initiate request asked for: one text-model call with
 * a JSON Schema response format, then the answer checked against the caller's own schema.
 * Undefined when not asked for, nothing was said, or the model's answer does not validate.
 */
export async function analyzeCall(
  c: Config,
  request: AnalysisRequest | undefined,
  transcript: readonly TranscriptTurn[],
  log: Logger,
): Promise<CallAnalysis | undefined> {
  if (!request || transcript.length === 0 || !c.OPENAI_API_KEY) return undefined;
  const compiled = compileJsonSchema(request.schema);
  if (!compiled.ok) {
    log.warn('Post-call analysis schema no longer compiles', { problem: compiled.problem });
    return undefined;
  }
  try {
    const client = new OpenAI({ apiKey: c.OPENAI_API_KEY, baseURL: c.OPENAI_BASE_URL, timeout: ANALYSIS_TIMEOUT_MS, maxRetries: 1 });
    const completion = await client.chat.completions.create({
      model: c.SUMMARY_MODEL,
      messages: [
        { role: 'system', content: `${ANALYSIS_PROMPT}\n${request.successCriterion}` },
        { role: 'user', content: transcriptAsText(transcript) },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'call_analysis', schema: analysisResponseSchema(request.schema), strict: false },
      },
    });
    const answer = JSON.parse(completion.choices[0]?.message.content ?? 'null') as { data?: unknown; successful?: unknown } | null;
    if (!answer || typeof answer.successful !== 'boolean') {
      log.warn('Post-call analysis answer has no verdict');
      return undefined;
    }
    const valid = compiled.validate(answer.data);
    if (!valid.ok) {
      log.warn('Post-call analysis does not match the caller schema', { problems: valid.problems.slice(0, 5) });
      return undefined;
    }
    return { data: answer.data, successful: answer.successful };
  } catch (error) {
    log.warn('Post-call analysis failed', { error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}
