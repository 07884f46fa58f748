import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { conversationScript, type AgentScript } from '../fake-openai/scripts';
import { FakeLiveSession, type LiveFaults, type ResumptionStore } from './live-session';
import { GeminiStatsRecorder, type FakeGeminiStats } from './stats';
import { chunkIntervalMs, wallMs, type SpeechPacing } from '../fake-common/pacing';
import type { WireTap } from '../fake-common/wire-tap';
import { faultsFor, type FaultScope } from '../fake-common/fault-scope';
import { closeSocketServer, listenOnLoopback } from '../fake-common/loopback-server';

export type { FakeGeminiStats, LiveSessionStats, LiveCloseCause } from './stats';
export type { LiveFaults } from './live-session';
export { INVALID_KEY_CLOSE, OUTPUT_RATE } from './live-session';

/** The Gemini Developer API's Live endpoint (v1beta; v1alpha for ephemeral tokens). */
const LIVE_PATH = /^\/ws\/google\.ai\.generativelanguage\.(v1beta|v1alpha|v1)\.GenerativeService\.BidiGenerateContent(Constrained)?$/;

export interface FakeGeminiOptions extends LiveFaults, FaultScope, SpeechPacing, WireTap {
  /** @default 0 (a free port) */
  port?: number;
  /** When set, `setup` on a connection without this key (`?key=` or `x-goog-api-key`) is refused with 1007. */
  apiKey?: string;
  /** Decides what the fake model says or calls. @default conversationScript */
  agent?: AgentScript;
  /** Send frames as binary, as the real service does. @default true */
  binaryFrames?: boolean;
}

/** What can change between calls on a running fake (tests): script, key, faults. */
export type FakeGeminiSettings = Omit<FakeGeminiOptions, 'port'>;

export interface FakeGemini {
  /** `http://127.0.0.1:P`, for `new GoogleGenAI({ httpOptions: { baseUrl } })`. */
  baseUrl: string;
  stats: FakeGeminiStats;
  /** Changes settings for connections opened from now on. */
  configure(settings: Partial<FakeGeminiSettings>): void;
  close(): Promise<void>;
}

/**
 * A Gemini Live API (BidiGenerateContent) server on loopback, reached through the real
 * `@google/genai` SDK via `httpOptions.baseUrl`: setup → setupComplete, 16 kHz PCM in with
 * server VAD, 24 kHz PCM voice-code out with transcriptions, barge-in (`interrupted`), tool
 * calls, session resumption and goAway, and the service's close codes for bad keys and input.
 */
export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  let settings: FakeGeminiSettings = { ...options };
  const stats = new GeminiStatsRecorder();
  const sessions = new Set<FakeLiveSession>();
  const resumption: ResumptionStore = new Map();
  const http = createServer((req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 404, message: `The fake Gemini serves only the Live WebSocket, not ${req.method} ${req.url}`, status: 'NOT_FOUND' } }));
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The SDK joins its base URL's trailing slash and `/ws/…` into `//ws/…` (which URL would read as a host).
    const url = new URL((req.url ?? '/').replace(/^\/{2,}/, '/'), 'http://fake');
    const path = url.pathname.replace(/\/{2,}/g, '/');
    if (!LIVE_PATH.test(path)) return refuseUpgrade(socket, 404);
    const presented = url.searchParams.get('key') ?? url.searchParams.get('access_token') ?? header(req, 'x-goog-api-key');
    const current = settings;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const binaryFrames = current.binaryFrames ?? true;
      const sessionStats = stats.openSession(`live-${randomBytes(6).toString('hex')}`, binaryFrames);
      const session = new FakeLiveSession({
        socket: ws,
        stats: sessionStats,
        script: current.agent ?? conversationScript,
        faults: faultsFor(current, stats.connectionsOpened, {
          dropAfterMs: current.dropAfterMs,
          dropAfterTurns: current.dropAfterTurns,
          responseDelayMs: wallMs(current.responseDelayMs ?? 0, current),
          goAwayAfterMs: current.goAwayAfterMs,
          goAwayTimeLeftMs: current.goAwayTimeLeftMs,
        }),
        keyValid: current.apiKey === undefined || presented === current.apiKey,
        onRefused: () => (stats.connectionsRefused += 1),
        audioChunkIntervalMs: chunkIntervalMs(current),
        binaryFrames,
        resumption,
        onSend: current.onSend,
      });
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
      session.start();
    });
  });

  const port = await listenOnLoopback(http, options.port);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stats,
    configure: (changes) => {
      settings = { ...settings, ...changes };
    },
    close: () => closeSocketServer(http, wss, sessions),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refuseUpgrade(socket: Duplex, status: 404): void {
  const text = JSON.stringify({ error: { code: status, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
  socket.end(`HTTP/1.1 ${status} Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}
