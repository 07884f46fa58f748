/**
 * The call API's routes. Each handler is `functions/<handler>.ts`; the CDK stack
 * (`infra/constructs/call-api.ts`) and the local adapter (`local/stack.ts`) both build their
 * routes and functions from this list. `auth` says who may call the route: the API key (or
 * IAM, when the API uses IAM auth), Twilio's signature, or anyone.
 */
export const API_ROUTES = [
  { method: 'POST', path: '/call/initiate', handler: 'initiate', auth: 'api-key' },
  { method: 'GET', path: '/calls/{callbackId}', handler: 'get-call', auth: 'api-key' },
  { method: 'POST', path: '/calls/{callbackId}/cancel', handler: 'cancel-call', auth: 'api-key' },
  { method: 'GET', path: '/calls/{callbackId}/recording', handler: 'get-recording', auth: 'api-key' },
  { method: 'POST', path: '/webhooks/recording-status', handler: 'recording-status', auth: 'twilio-signature' },
  { method: 'GET', path: '/twiml/outbound', handler: 'twiml', auth: 'twilio-signature' },
  { method: 'POST', path: '/twiml/outbound', handler: 'twiml', auth: 'twilio-signature' },
  { method: 'POST', path: '/twiml/fallback', handler: 'twiml-fallback', auth: 'twilio-signature' },
  { method: 'POST', path: '/webhooks/call-status', handler: 'call-status', auth: 'twilio-signature' },
  { method: 'GET', path: '/health', handler: 'health', auth: 'none' },
  { method: 'GET', path: '/openapi.json', handler: 'openapi', auth: 'none' },
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type HandlerName = ApiRoute['handler'];

/** Functions that run on a schedule rather than behind a route (dispatch: a scheduled call's one-time schedule). */
export const SCHEDULED_FUNCTIONS = ['sweeper', 'dispatch'] as const;
/** Functions fed by a queue (deliver: webhook and task-token deliveries). */
export const QUEUE_FUNCTIONS = ['deliver'] as const;
export type FunctionName = HandlerName | (typeof SCHEDULED_FUNCTIONS)[number] | (typeof QUEUE_FUNCTIONS)[number];
/** Every function the API deploys: each route's handler once, then the scheduled and queue-fed ones. */
export const FUNCTION_NAMES: readonly FunctionName[] = [...new Set(API_ROUTES.map((route) => route.handler)), ...SCHEDULED_FUNCTIONS, ...QUEUE_FUNCTIONS];
