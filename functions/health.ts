import { VERSION } from '../shared/version';
import { json, type HttpHandler } from './lib/http';

/** `GET /health`: liveness of the API. */
export const handler: HttpHandler = async () => json(200, { status: 'ok', version: VERSION });
