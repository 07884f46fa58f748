import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../functions/routes';
import type { LocalStack } from '../local/stack';
import { END_REASONS } from '../shared/end-reason';
import { startTestStack } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document that a real validator accepts, without an API key', async () => {
    const response = await fetch(`${stack.apiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as any;
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const broken = await new Validator().validate({ ...document, paths: { '/x': { get: { responses: 'none' } } } });
    expect(broken.valid, 'the validator does refuse a broken document').toBe(false);
  });

  it('covers the routes, their errors, the event and the webhook from the handlers\' own schemas', async () => {
    const document = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as any;
    const callerRoutes = API_ROUTES.filter((route) => route.auth !== 'twilio-signature');
    for (const { method, path } of callerRoutes) {
      expect(document.paths[path]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
    }
    expect(document.paths['/calls/{callbackId}/recording'].get.responses['302'].headers.location).toBeDefined();
    const initiate = document.paths['/call/initiate'].post;
    expect(Object.keys(initiate.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '409', '429', '502']));
    const request = document.components.schemas.InitiateRequest;
    expect(request.required).toEqual(expect.arrayContaining(['callbackId', 'to']));
    expect(Object.keys(request.properties)).toEqual(expect.arrayContaining(['scheduleAt', 'callWindow', 'webhookUrl', 'taskToken', 'silenceTimeoutSeconds']));
    expect(request.additionalProperties).toBe(false);
    const event = document.components.schemas.CallCompleted;
    expect(event.properties.endReason.enum).toEqual([...END_REASONS]);
    expect(event.properties.schemaVersion.const).toBe('1.1');
    expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(document.webhooks['call.completed'].post.requestBody.content['application/json'].schema.properties.data.$ref).toBe(
      '#/components/schemas/CallCompleted',
    );
  });
});
