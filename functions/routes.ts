/**
 * The call API's routes: one handler file each. The CDK stack and the local adapter both
 * build their routing from this list.
 */
export const API_ROUTES = [
  { method: 'POST', path: '/call/initiate', handler: 'initiate', auth: 'api-key' },
  { method: 'GET', path: '/calls/{callbackId}', handler: 'get-call', auth: 'api-key' },
  { method: 'POST', path: '/calls/{callbackId}/cancel', handler: 'cancel-call', auth: 'api-key' },
  { method: 'GET', path: '/calls/{callbackId}/recording', handler: 'get-recording', auth: 'api-key' },
  { method: 'POST', path: '/webhooks/recording-status', handler: 'recording-status', auth: 'twilio-signature' },
  { method: 'GET', path: '/twiml/outbound', handler: 'twiml', auth: 'twilio-signature' },
  { method: 'POST', path: '/twiml/outbound', handler: 'twiml', auth: 'twilio-signature' },
  { method: 'POST', path: '/webhooks/call-status', handler: 'call-status', auth: 'twilio-signature' },
  { method: 'GET', path: '/health', handler: 'health', auth: 'none' },
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type HandlerName = ApiRoute['handler'];
