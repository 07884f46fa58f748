import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { PCM_24K } from './audio-format';
import { newId } from './ids';
import { FakeRealtimeSession, type RealtimeFaults } from './realtime-session';
import { bearerToken, handleRestRequest, invalidApiKeyError } from './rest';
import type { AgentScript } from './scripts';
import { chunkIntervalMs, wallMs, type SpeechPacing } from '../fake-common/pacing';
import type { WireTap } from '../fake-common/wire-tap';
import { faultsFor, type FaultScope } from '../fake-common/fault-scope';
import { StatsRecorder, type FakeOpenAIStats } from './stats';
import { closeSocketServer, listenOnLoopback } from '../fake-common/loopback-server';

export type { AgentScript, AgentScriptContext, AgentTurn, ScriptedToolCall, ScriptHistoryEntry } from './scripts';
export { CLOSING_LINE, GENERIC_GREETING, conversationScript, greetingFor } from './scripts';
export type { FakeOpenAIStats, RealtimeSessionStats, SessionCloseCause } from './stats';
export type { AudioFormat } from './audio-format';
export { INAUDIBLE } from './realtime-session';

export interface FakeOpenAIOptions extends RealtimeFaults, FaultScope, SpeechPacing, WireTap {
  /** @default 0 (a free port) */
  port?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Decides what the fake model says or calls. */
  agent: AgentScript;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:P/v1`, for the `openai` package's `baseURL`. */
  baseUrl: string;
  /** `ws://127.0.0.1:P/v1/realtime`, for the Agents SDK transport's `url` (append `?model=…`). */
  realtimeUrl: string;
  stats: FakeOpenAIStats;
  /** Changes pacing, faults and the script for sessions opened from now on. */
  configure(changes: Partial<Omit<FakeOpenAIOptions, 'port' | 'apiKey'>>): void;
  close(): Promise<void>;
}

const REALTIME_PATH = '/v1/realtime';
const BROWSER_KEY_PROTOCOL = 'openai-insecure-api-key.';

export async function startFakeOpenAI(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  const settings: FakeOpenAIOptions = { ...options };
  const stats = new StatsRecorder();
  const sessions = new Set<FakeRealtimeSession>();
  const http = createServer((req, res) => void handleRestRequest(req, res, { apiKey: options.apiKey, stats }));
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.replace(/\/+$/, '') !== REALTIME_PATH) return refuseUpgrade(socket, 404, { error: { message: `Invalid URL (GET ${url.pathname})`, type: 'invalid_request_error', param: null, code: null } });
    if (options.apiKey !== undefined) {
      const presented = presentedApiKey(req);
      if (presented !== options.apiKey) {
        stats.connectionsRefused += 1;
        return refuseUpgrade(socket, 401, invalidApiKeyError(presented).toJSON());
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sessionStats = stats.openSession(newId('sess'), url.searchParams.get('model') ?? 'gpt-realtime', PCM_24K);
      const session = new FakeRealtimeSession({
        socket: ws,
        stats: sessionStats,
        script: settings.agent,
        faults: faultsFor(settings, stats.connectionsOpened, {
          dropAfterMs: settings.dropAfterMs,
          dropAfterResponses: settings.dropAfterResponses,
          malformedItemAfterResponses: settings.malformedItemAfterResponses,
          responseDelayMs: wallMs(settings.responseDelayMs ?? 0, settings),
        }),
        audioChunkIntervalMs: chunkIntervalMs(settings),
        onSend: settings.onSend,
      });
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
      session.start();
    });
  });

  const port = await listenOnLoopback(http, options.port);

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    realtimeUrl: `ws://127.0.0.1:${port}${REALTIME_PATH}`,
    stats,
    configure: (changes) => Object.assign(settings, changes),
    close: () => closeSocketServer(http, wss, sessions),
  };
}

/** Node clients send `Authorization: Bearer`; browsers put the key in a subprotocol. */
function presentedApiKey(req: IncomingMessage): string | undefined {
  const fromHeader = bearerToken(req);
  if (fromHeader) return fromHeader;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return protocols.find((p) => p.startsWith(BROWSER_KEY_PROTOCOL))?.slice(BROWSER_KEY_PROTOCOL.length);
}

function refuseUpgrade(socket: Duplex, status: 401 | 404, body: unknown): void {
  const text = JSON.stringify(body);
  const reason = status === 401 ? 'Unauthorized' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
