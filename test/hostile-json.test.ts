import { describe, expect, it } from 'vitest';
import { httpHandler, json } from '../functions/lib/http';
import { parseJsonBody } from '../functions/lib/request';
import { renderInstructions } from '../media-service/prompt';
import { INITIATE_BODY_MAX_BYTES, initiateRequestSchema } from '../shared/call-record';
import { apiEvent } from './support/api-event';

/** The initiate body check as the handler runs it: parse, then answer 200 or the error's status. */
const validate = httpHandler(async (event) => {
  parseJsonBody(event, initiateRequestSchema, INITIATE_BODY_MAX_BYTES);
  return json(200, {});
});
const post = async (body: string) => {
  const event = apiEvent('POST', '/call/initiate', undefined);
  event.body = body;
  const result = await validate(event);
  return { status: result.statusCode, error: JSON.parse(result.body as string).error };
};
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const base = (extra: string) => `{"callbackId":"hostile-1","to":"+15551230000"${extra}}`;

describe('hostile JSON is a 400, never a 500 or a stored surprise', () => {
  it('metadata nested 10,000 levels, or 40, is refused; 20 is fine', async () => {
    expect((await post(base(`,"metadata":${nested(10_000)}`))).status).toBe(400);
    expect((await post(base(`,"metadata":${nested(40)}`))).status).toBe(400);
    expect((await post(base(`,"metadata":${nested(20)}`))).status).toBe(200);
  });

  it.each(['constructor', '__proto__', 'prototype'])('a "%s" key in metadata or variables is refused', async (key) => {
    expect((await post(base(`,"metadata":{"${key}":{"x":1}}`))).status).toBe(400);
    expect((await post(base(`,"variables":{"${key}":"x"}`))).status).toBe(400);
  });

  it('dot-only callbackIds are refused; dots inside one are fine', async () => {
    for (const id of ['.', '..', '...']) {
      const res = await post(`{"callbackId":"${id}","to":"+15551230000"}`);
      expect(res.status).toBe(400);
      expect(res.error.code).toBe('validation_error');
    }
    expect((await post(`{"callbackId":"a.b..c","to":"+15551230000"}`)).status).toBe(200);
  });

  it("placeholders are filled from the call's own variables only, never from the prototype", () => {
    expect(renderInstructions('Hi {{name}}, {{constructor}} {{toString}}', { name: 'Ada' })).toBe('Hi Ada, {{constructor}} {{toString}}');
  });
});
