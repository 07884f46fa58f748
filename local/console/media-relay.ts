import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import WebSocket from 'ws';
import { logger } from '../../shared/logger';

/** As the media service: Twilio's frames are tiny, so a large message is a bug. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_QUEUED_MESSAGES = 200;

export interface RelayOutcome {
  /** The media service accepted the upgrade. */
  connected: boolean;
  /** How the media service closed the stream (1008: it refused the start message). */
  closeCode?: number;
  closeReason?: string;
}

export interface MediaStreamTarget {
  /** Where the media service listens (loopback). */
  connectUrl: string;
  /** The stream URL as the TwiML would write it: what Twilio signs and the media service checks. */
  signedUrl: string;
  authToken: string;
}

/**
 * Relays a browser's Media Stream to the media service as Twilio's edge would: the upstream
 * upgrade carries a valid X-Twilio-Signature, and text frames pass through untouched both
 * ways (the browser speaks the Twilio protocol itself, stream token included). Resolves
 * once both sockets are closed, with how the media service took the stream.
 */
export function relayMediaStream(browser: WebSocket, target: MediaStreamTarget, log = logger): Promise<RelayOutcome> {
  const signature = getExpectedTwilioSignature(target.authToken, target.signedUrl, {});
  const upstream = new WebSocket(target.connectUrl, {
    headers: { 'X-Twilio-Signature': signature, 'User-Agent': 'CallerEngine.DevConsole/1.0' },
    maxPayload: MAX_MESSAGE_BYTES,
    handshakeTimeout: 10_000,
  });
  const queued: string[] = [];
  const outcome: RelayOutcome = { connected: false };

  browser.on('message', (data, isBinary) => {
    if (isBinary) return browser.close(1003, 'text frames only');
    const text = data.toString();
    if (upstream.readyState === WebSocket.OPEN) return upstream.send(text);
    if (upstream.readyState === WebSocket.CONNECTING && queued.length < MAX_QUEUED_MESSAGES) queued.push(text);
  });
  upstream.on('open', () => {
    outcome.connected = true;
    for (const text of queued.splice(0)) upstream.send(text);
  });
  upstream.on('message', (data) => {
    if (browser.readyState === WebSocket.OPEN) browser.send(data.toString());
  });
  upstream.on('unexpected-response', (request, response) => {
    log.warn('Media service refused the browser stream', { status: response.statusCode });
    request.destroy();
    close(browser, 1011, `media service refused the stream (HTTP ${response.statusCode})`);
  });
  upstream.on('error', (error) => log.warn('Media service socket error', { error: error.message }));
  browser.on('error', (error) => log.warn('Browser socket error', { error: error.message }));

  browser.on('close', () => close(upstream, 1000, 'browser hung up'));
  upstream.on('close', (code, reason) => {
    outcome.closeCode = code;
    outcome.closeReason = reason.toString() || undefined;
    close(browser, sendableCode(code), outcome.closeReason ?? 'stream ended');
  });

  const closed = (socket: WebSocket) =>
    socket.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return Promise.all([closed(browser), closed(upstream)]).then(() => outcome);
}

function close(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === WebSocket.CONNECTING) return socket.terminate();
  if (socket.readyState === WebSocket.OPEN) socket.close(code, reason.slice(0, 120));
}

/** 1005 and 1006 describe a close; they cannot be sent in one. */
function sendableCode(code: number): number {
  return code === 1000 || code === 1001 || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999) ? code : 1000;
}
