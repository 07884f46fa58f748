import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readRequestText } from '../request-body';
import { newId } from './ids';
import { minimalInstance } from './json-schema-instance';
import type { StatsRecorder } from './stats';
import { contentText, summarize, type PromptMessage } from './summary';

/** An error answered the way api.openai.com does: `{ error: { message, type, param, code } }`. */
export class OpenAIHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errorType: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  toJSON() {
    return { error: { message: this.message, type: this.errorType, param: this.param, code: this.code } };
  }
}

export function invalidApiKeyError(presented: string | undefined): OpenAIHttpError {
  const message = presented
    ? `Incorrect API key provided: ${maskKey(presented)}. You can find your API key at https://platform.openai.com/account/api-keys.`
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  return new OpenAIHttpError(401, message, 'invalid_request_error', 'invalid_api_key');
}

function maskKey(key: string): string {
  return key.length <= 6 ? '***' : `${key.slice(0, 3)}***${key.slice(-2)}`;
}

/** The key from `Authorization: Bearer …`, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
}

const structuredFormat = z.looseObject({
  type: z.enum(['text', 'json_object', 'json_schema']),
  schema: z.unknown().optional(),
});

const chatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).min(1),
  response_format: z
    .looseObject({
      type: z.enum(['text', 'json_object', 'json_schema']),
      json_schema: z.looseObject({ name: z.string(), schema: z.unknown().optional() }).optional(),
    })
    .optional(),
  stream: z.boolean().nullable().optional(),
});

const responsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({ role: z.string().optional(), content: z.unknown().optional() }))]).optional(),
  instructions: z.string().nullable().optional(),
  text: z.looseObject({ format: structuredFormat.optional() }).optional(),
  stream: z.boolean().nullable().optional(),
});

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RestContext {
  apiKey?: string;
  stats: StatsRecorder;
}

export async function handleRestRequest(req: IncomingMessage, res: ServerResponse, ctx: RestContext): Promise<void> {
  try {
    if (ctx.apiKey !== undefined && bearerToken(req) !== ctx.apiKey) throw invalidApiKeyError(bearerToken(req));
    const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/\/+$/, '');
    const route = `${req.method} ${path}`;
    if (route === 'POST /v1/chat/completions') return sendJson(res, 200, chatCompletion(await readJson(req), ctx.stats));
    if (route === 'POST /v1/responses') return sendJson(res, 200, responseObject(await readJson(req), ctx.stats));
    throw new OpenAIHttpError(404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error');
  } catch (error) {
    const httpError = error instanceof OpenAIHttpError ? error : new OpenAIHttpError(500, `The fake server failed: ${String(error)}`, 'server_error');
    sendJson(res, httpError.statusCode, httpError.toJSON());
  }
}

function chatCompletion(body: unknown, stats: StatsRecorder) {
  const request = parseBody(chatCompletionRequest, body);
  rejectStreaming(request.stream);
  const messages = request.messages.map((message) => ({ role: message.role, text: contentText(message.content) }));
  const format = request.response_format;
  const { text: content, usage } = answer(messages, format?.type ?? 'text', format?.json_schema?.schema, stats);
  return {
    id: newId('chatcmpl'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    service_tier: 'default',
    system_fingerprint: null,
  };
}

function responseObject(body: unknown, stats: StatsRecorder) {
  const request = parseBody(responsesRequest, body);
  rejectStreaming(request.stream);
  const messages: PromptMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', text: request.instructions });
  if (typeof request.input === 'string') messages.push({ role: 'user', text: request.input });
  else for (const entry of request.input ?? []) messages.push({ role: entry.role ?? 'user', text: contentText(entry.content) });
  const format = request.text?.format;
  const { text, usage } = answer(messages, format?.type ?? 'text', format?.schema, stats);
  return {
    id: newId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    completed_at: Math.floor(Date.now() / 1000),
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: null,
    model: request.model,
    output: [
      {
        type: 'message',
        id: newId('msg'),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
      },
    ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: format ?? { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
    metadata: {},
  };
}

/** The model's reply to `messages` in the requested format, counted as a summary request, with its token usage. */
function answer(messages: PromptMessage[], formatType: 'text' | 'json_object' | 'json_schema', schema: unknown, stats: StatsRecorder) {
  const text = generateContent(messages, formatType, schema);
  stats.summaryRequests += 1;
  return { text, usage: tokenUsage(messages, text) };
}

function generateContent(messages: PromptMessage[], formatType: 'text' | 'json_object' | 'json_schema', schema: unknown): string {
  const summary = summarize(messages);
  if (formatType === 'json_object') return JSON.stringify({ summary });
  if (formatType !== 'json_schema') return summary;
  const instance = minimalInstance(schema ?? {}, {
    stringFor: (name) => (name && /summary|notes|description|outcome|recap/i.test(name) ? summary : undefined),
  });
  return JSON.stringify(instance);
}

function tokenUsage(messages: PromptMessage[], output: string) {
  const chars = messages.reduce((n, message) => n + message.text.length, 0);
  return { input: Math.max(1, Math.ceil(chars / 4)), output: Math.max(1, Math.ceil(output.length / 4)) };
}

function rejectStreaming(stream: boolean | null | undefined): void {
  if (stream) throw new OpenAIHttpError(400, 'Streaming is not supported by the fake OpenAI server.', 'invalid_request_error', 'unsupported_value', 'stream');
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join('.') || null;
  throw new OpenAIHttpError(400, `Invalid value for '${param}': ${issue?.message ?? 'invalid'}.`, 'invalid_request_error', 'invalid_value', param);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readRequestText(req, { bytes: MAX_BODY_BYTES, error: () => new OpenAIHttpError(413, 'Request body too large.', 'invalid_request_error') });
  try {
    return JSON.parse(text);
  } catch {
    throw new OpenAIHttpError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      'invalid_request_error',
    );
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
