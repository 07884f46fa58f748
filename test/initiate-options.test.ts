import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInitiateHandler } from '../functions/initiate';
import type { LocalStack } from '../local/stack';
import { BUILT_IN_TOOL_NAMES } from '../shared/call-tools';
import { PROVIDERS, REALTIME_PROVIDERS } from '../shared/providers';
import { LANGUAGES } from '../shared/languages';
import { allBuiltInTools } from '../media-service/tools';
import { apiEvent } from './support/api-event';
import { initiate, startTestStack, uniqueId, validationIssues } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ overrides: { TOOL_ALLOWED_HOSTS: 'tools.example.com,.partner.example' } });
});
afterAll(async () => {
  await stack?.close();
});

const lookup = (overrides: Record<string, unknown> = {}) => ({
  name: 'lookup_order',
  description: 'Looks up an order by its number.',
  parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
  url: 'https://tools.example.com/orders',
  ...overrides,
});
const body = (overrides: Record<string, unknown>) => ({ callbackId: uniqueId('options'), to: '+15557740000', ...overrides });

describe('POST /call/initiate: per-call tools', () => {
  it.each([
    ['a name of a built-in tool', { tools: [lookup({ name: 'end_call' })] }, 'tools.0.name'],
    ['a name with spaces', { tools: [lookup({ name: 'look up' })] }, 'tools.0.name'],
    ['the same name twice', { tools: [lookup(), lookup()] }, 'tools.1.name'],
    ['more than 10 tools', { tools: Array.from({ length: 11 }, (_, i) => lookup({ name: `tool_${i}` })) }, 'tools'],
    ['a schema Ajv cannot compile', { tools: [lookup({ parameters: { type: 'object', properties: { a: { type: 'strnig' } } } })] }, 'tools.0.parameters'],
    ['a schema with a remote $ref', { tools: [lookup({ parameters: { type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } } })] }, 'tools.0.parameters'],
    ['a schema whose root is not an object', { tools: [lookup({ parameters: { type: 'string' } })] }, 'tools.0.parameters'],
    ['a schema over 8 KB', { tools: [lookup({ parameters: { type: 'object', description: 'x'.repeat(8_300) } })] }, 'tools.0.parameters'],
    ['a timeout over 10 s', { tools: [lookup({ timeoutMs: 10_001 })] }, 'tools.0.timeoutMs'],
    ['a URL that is not http(s)', { tools: [lookup({ url: 'ftp://tools.example.com/x' })] }, 'tools.0.url'],
  ])('refuses %s with a 400 naming the field', async (_name, overrides, path) => {
    const res = await initiate(stack, body(overrides));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('validation_error');
    expect(validationIssues(res).map((d) => d.path)).toContain(path);
  });

  it.each([
    ['a host outside TOOL_ALLOWED_HOSTS', 'https://elsewhere.example.com/x', /lookup_order: host "elsewhere\.example\.com" is not in TOOL_ALLOWED_HOSTS/],
    ['plain http to an allowed host', 'http://tools.example.com/x', /lookup_order: must be an https URL/],
    ['the bare domain of a subdomain rule', 'https://partner.example/x', /not in TOOL_ALLOWED_HOSTS/],
  ])('refuses %s with a 403', async (_name, url, message) => {
    const res = await initiate(stack, body({ tools: [lookup({ url })] }));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'tool_url_not_allowed', message: expect.stringMatching(message) });
  });

  it('accepts allowed hosts (exact and subdomain) and loopback in the local stage', async () => {
    stack.twilio!.setBehaviour('+15557740001', { kind: 'no-answer' });
    const tools = [lookup(), lookup({ name: 'book', url: 'https://api.partner.example/book' }), lookup({ name: 'local', url: 'http://127.0.0.1:9/x' })];
    const res = await initiate(stack, body({ to: '+15557740001', tools }));
    expect(res.status).toBe(200);
  });

  it('refuses loopback URLs outside the local stage', async () => {
    const handler = createInitiateHandler({ ...stack.deps, config: { ...stack.config, STAGE: 'prod' } });
    const res = await handler(apiEvent('POST', '/call/initiate', body({ tools: [lookup({ url: 'http://127.0.0.1:8080/x' })] }), { 'x-api-key': stack.apiKey }));
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body!).error.message).toMatch(/loopback URLs are allowed only in the local stage/);
  });

  it('the list of names a tool may not take is exactly the built-in tools', () => {
    expect(allBuiltInTools().map((t) => t.name).sort()).toEqual([...BUILT_IN_TOOL_NAMES].sort());
  });
});

describe('POST /call/initiate: language', () => {
  it('refuses a tag that is not BCP-47', async () => {
    const res = await initiate(stack, body({ language: 'es_ES' }));
    expect(res.status).toBe(400);
    expect(validationIssues(res).map((d) => d.path)).toContain('language');
  });

  it.each([
    ['a language no provider speaks here', 'ja-JP', 'openai'],
    ['a language the provider has no voice for', 'pt-BR', 'amazon_nova_sonic'],
  ])('refuses %s with a 400 naming the language and the provider', async (_name, language, provider) => {
    const res = await initiate(stack, body({ language, provider }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'language_not_supported', details: { language, provider } });
    expect(res.body.error?.message).toContain(language);
    expect(res.body.error?.message).toContain(provider);
  });

  it('every provider has a voice only for languages the engine has wording for', () => {
    for (const provider of REALTIME_PROVIDERS) {
      for (const language of Object.keys(PROVIDERS[provider].voiceByLanguage)) expect(LANGUAGES, `${provider}/${language}`).toHaveProperty(language);
    }
  });
});
