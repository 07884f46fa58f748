import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import type { TranscriptTurn } from '../shared/call-record';
import { parseConfig } from '../shared/config';
import { ANALYSIS_SCHEMA_MAX_BYTES, compileJsonSchema } from '../shared/json-schema';
import { logger } from '../shared/logger';
import { analysisResponseSchema, analyzeCall } from '../media-service/transcript/analysis';
import { getCall, initiate, startTestStack, uniqueId, validationIssues } from './support/stack';

/** Post-call analysis: the schema checked at initiate, the extraction through the text model, the answer checked against the schema. */

const SCHEMA = {
  type: 'object',
  properties: {
    interested: { type: 'boolean' },
    callback: { $ref: '#/$defs/callback' },
    notes: { type: 'string', maxLength: 400 },
  },
  required: ['interested', 'callback', 'notes'],
  additionalProperties: false,
  $defs: {
    callback: {
      type: 'object',
      properties: { day: { type: 'string', enum: ['monday', 'tuesday'] }, minutes: { type: 'integer', minimum: 5 } },
      required: ['day', 'minutes'],
    },
  },
};
const ANALYSIS = { schema: SCHEMA, successCriterion: 'The callee agreed to a callback.' };
const TRANSCRIPT: TranscriptTurn[] = [
  { role: 'assistant', text: 'Hi, this is Ava. Do you have a minute?', at: '2026-12-01T15:00:00.000Z' },
  { role: 'user', text: 'Call me back on Monday, please.', at: '2026-12-01T15:00:05.000Z' },
];

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('the analysis schema at initiate', () => {
  it.each([
    ['a schema that is not an object schema', { ...ANALYSIS, schema: { type: 'array', items: { type: 'string' } } }, /type/],
    ['an unknown type', { ...ANALYSIS, schema: { type: 'object', properties: { a: { type: 'strnig' } } } }, /not a usable JSON Schema/],
    ['a dangling $ref', { ...ANALYSIS, schema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } }, /not a usable JSON Schema/],
    ['a schema over 8 KB', { ...ANALYSIS, schema: { type: 'object', description: 'x'.repeat(ANALYSIS_SCHEMA_MAX_BYTES) } }, /at most 8192 bytes/],
    ['a missing success criterion', { schema: SCHEMA }, /expected string/],
  ])('refuses %s with a 400 before any call is placed', async (_name, analysis, message) => {
    const callbackId = uniqueId('analysis-bad');
    const res = await initiate(stack, { callbackId, to: '+15557730001', analysis });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('validation_error');
    const detail = validationIssues(res).find((d) => d.path.startsWith('analysis'));
    expect(detail?.message).toMatch(message);
    expect(stack.twilio!.calls.filter((c) => c.to === '+15557730001')).toHaveLength(0);
  });

  it('accepts a usable schema and keeps it with the call', async () => {
    stack.twilio!.setBehaviour('+15557730002', { kind: 'busy' });
    const callbackId = uniqueId('analysis-ok');
    const res = await initiate(stack, { callbackId, to: '+15557730002', analysis: ANALYSIS });
    expect(res.status).toBe(200);
    expect((await getCall(stack, callbackId)).body.call.request.analysis).toEqual(ANALYSIS);
  });
});

describe('the extraction', () => {
  it('asks the text model with the caller schema inside a response schema whose $refs still resolve', () => {
    const wrapped = analysisResponseSchema(SCHEMA);
    expect(wrapped).toMatchObject({ required: ['data', 'successful'], properties: { successful: { type: 'boolean' } } });
    expect((wrapped.properties as any).data.properties.callback.$ref).toBe('#/$defs/callback');
    expect((wrapped.$defs as any).callback).toEqual(SCHEMA.$defs.callback);
    expect(compileJsonSchema(wrapped)).toMatchObject({ ok: true });

    const draft7 = analysisResponseSchema({ type: 'object', properties: { a: { $ref: '#/definitions/a' }, self: { $ref: '#' } }, definitions: { a: { type: 'string' } } });
    expect((draft7.properties as any).data.properties).toEqual({ a: { $ref: '#/$defs/a' }, self: { $ref: '#/$defs/call_data' } });
    expect(Object.keys(draft7.$defs as object).sort()).toEqual(['a', 'call_data']);
  });

  it('returns data that validates against the caller schema, and a verdict', async () => {
    const c = parseConfig({ STAGE: 'local', OPENAI_API_KEY: stack.config.OPENAI_API_KEY, OPENAI_BASE_URL: stack.fakes.openai!.baseUrl });
    const requestsBefore = stack.fakes.openai!.stats.summaryRequests;
    const analysis = await analyzeCall(c, ANALYSIS, TRANSCRIPT, logger);

    expect(analysis).toBeDefined();
    const compiled = compileJsonSchema(SCHEMA);
    expect(compiled.ok && compiled.validate(analysis!.data)).toEqual({ ok: true });
    expect(analysis!.data).toMatchObject({ callback: { day: 'monday', minutes: 5 } });
    expect(typeof analysis!.successful).toBe('boolean');
    expect(stack.fakes.openai!.stats.summaryRequests).toBe(requestsBefore + 1);
  });

  it('drops an answer that does not match the caller schema instead of passing it on', async () => {
    const seen: any[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push(JSON.parse(body));
        const content = JSON.stringify({ data: { interested: 'very', callback: { day: 'friday', minutes: 1 }, notes: 'x' }, successful: true });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = parseConfig({ STAGE: 'local', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
      expect(await analyzeCall(c, ANALYSIS, TRANSCRIPT, logger)).toBeUndefined();
      expect(seen[0].response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'call_analysis', strict: false } });
      expect(seen[0].messages[0].content).toContain(ANALYSIS.successCriterion);
    } finally {
      server.close();
    }
  });

  it('makes no model call when the call asked for no analysis or nothing was said', async () => {
    const c = parseConfig({ STAGE: 'local', OPENAI_API_KEY: stack.config.OPENAI_API_KEY, OPENAI_BASE_URL: stack.fakes.openai!.baseUrl });
    const requestsBefore = stack.fakes.openai!.stats.summaryRequests;
    expect(await analyzeCall(c, undefined, TRANSCRIPT, logger)).toBeUndefined();
    expect(await analyzeCall(c, ANALYSIS, [], logger)).toBeUndefined();
    expect(stack.fakes.openai!.stats.summaryRequests).toBe(requestsBefore);
  });
});
