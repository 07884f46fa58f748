import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { conversationScript, type AgentScript } from '../fake-openai/scripts';
import type { AudioFormatName } from './client-messages';
import { FakeConversation, type AgentConfig, type ConversationFaults } from './conversation';
import { ElevenLabsStatsRecorder, type FakeElevenLabsStats } from './stats';
import { chunkIntervalMs, wallMs, type SpeechPacing } from '../fake-common/pacing';
import type { WireTap } from '../fake-common/wire-tap';
import { faultsFor, type FaultScope } from '../fake-common/fault-scope';
import { closeSocketServer, listenOnLoopback } from '../fake-common/loopback-server';

export type { ConversationStats, FakeElevenLabsStats, ConversationCloseCause } from './stats';
export type { AudioFormatName } from './client-messages';

const SIGNED_URL_PATHS = new Set(['/v1/convai/conversation/get-signed-url', '/v1/convai/conversation/get_signed_url']);
const CONVERSATION_PATH = '/v1/convai/conversation';
const SIGNATURE_TTL_MS = 15 * 60_000;

export interface FakeElevenLabsOptions extends ConversationFaults, FaultScope, SpeechPacing, WireTap {
  /** @default 0 (a free port) */
  port?: number;
  /**
   * When set, the agent is private: conversations need a signed URL, and the signed-URL request
   * needs this `xi-api-key`.
   */
  apiKey?: string;
  /** @default 'agent_fake' */
  agentId?: string;
  /** Decides what the agent says or calls. @default conversationScript */
  agent?: AgentScript;
  /** The agent's ASR input format. @default 'pcm_16000' (the platform's default) */
  inputFormat?: AudioFormatName;
  /** The agent's TTS output format. @default 'pcm_16000' */
  outputFormat?: AudioFormatName;
  /** The agent's own prompt (used without an override). */
  prompt?: string;
  /** The agent's first message; undefined = the script's greeting, '' = wait for the caller. */
  firstMessage?: string;
  allowOverrides?: Partial<AgentConfig['allowOverrides']>;
  clientTools?: string[];
  /** @default 1000 */
  pingIntervalMs?: number;
}

export type FakeElevenLabsSettings = Omit<FakeElevenLabsOptions, 'port'>;

export interface FakeElevenLabs {
  /** `http://127.0.0.1:P`, the API base (signed URLs and the WebSocket are derived from it). */
  baseUrl: string;
  agentId: string;
  stats: FakeElevenLabsStats;
  /** Changes settings for conversations started from now on. */
  configure(settings: Partial<FakeElevenLabsSettings>): void;
  close(): Promise<void>;
}

/**
 * The ElevenLabs Agents Platform on loopback: `GET /v1/convai/conversation/get-signed-url`
 * (checked `xi-api-key`) and the conversation WebSocket (`convai` subprotocol): initiation data
 * with overrides and dynamic variables, metadata with the agent's audio formats, ping/pong, VAD
 * on the caller's audio with voice-code transcripts, agent responses as text then audio,
 * interruption + correction on barge-in, and client tool calls.
 */
export async function startFakeElevenLabs(options: FakeElevenLabsOptions = {}): Promise<FakeElevenLabs> {
  let settings: FakeElevenLabsSettings = { ...options };
  const stats = new ElevenLabsStatsRecorder();
  const conversations = new Set<FakeConversation>();
  const signatures = new Map<string, { agentId: string; expiresAt: number }>();
  let baseUrl = '';

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && SIGNED_URL_PATHS.has(url.pathname)) return signedUrl(url, req, res);
    json(res, 404, { detail: { status: 'not_found', message: `The fake ElevenLabs does not serve ${req.method} ${url.pathname}` } });
  });

  const signedUrl = (url: URL, req: IncomingMessage, res: ServerResponse) => {
    stats.signedUrlRequests += 1;
    const { apiKey, agentId = 'agent_fake' } = settings;
    const presented = req.headers['xi-api-key'];
    if (apiKey !== undefined && presented !== apiKey) {
      stats.signedUrlRefusals += 1;
      return json(res, 401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
    }
    const requested = url.searchParams.get('agent_id');
    if (!requested) return json(res, 422, { detail: [{ loc: ['query', 'agent_id'], msg: 'Field required', type: 'missing' }] });
    if (requested !== agentId) return json(res, 404, { detail: { status: 'agent_not_found', message: `Agent with id ${requested} not found` } });
    const signature = randomBytes(24).toString('base64url');
    signatures.set(signature, { agentId: requested, expiresAt: Date.now() + SIGNATURE_TTL_MS });
    const wsUrl = new URL(CONVERSATION_PATH, baseUrl.replace(/^http/, 'ws'));
    wsUrl.searchParams.set('agent_id', requested);
    wsUrl.searchParams.set('conversation_signature', signature);
    json(res, 200, { signed_url: wsUrl.toString() });
  };

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('convai') ? 'convai' : false),
  });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.replace(/\/+$/, '') !== CONVERSATION_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const current = settings;
    const agentId = current.agentId ?? 'agent_fake';
    const requested = url.searchParams.get('agent_id') ?? '';
    const signature = signatures.get(url.searchParams.get('conversation_signature') ?? '');
    const refusal =
      requested !== agentId
        ? `Agent with id ${requested || '(none)'} not found`
        : current.apiKey !== undefined && (!signature || signature.agentId !== requested || signature.expiresAt < Date.now())
          ? 'This agent requires authentication: use a signed URL.'
          : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const inputFormat = current.inputFormat ?? 'pcm_16000';
      const outputFormat = current.outputFormat ?? 'pcm_16000';
      const conversationStats = stats.open(`conv_${randomBytes(12).toString('hex')}`, requested, protocols, inputFormat, outputFormat);
      if (refusal) {
        stats.conversationsRefused += 1;
        conversationStats.closedAt = Date.now();
        conversationStats.closedBy = 'auth';
        ws.close(1008, refusal);
        return;
      }
      const conversation = new FakeConversation({
        socket: ws,
        stats: conversationStats,
        agent: {
          prompt: current.prompt ?? 'You are a helpful phone agent.',
          firstMessage: current.firstMessage,
          inputFormat,
          outputFormat,
          allowOverrides: { prompt: true, firstMessage: true, voice: true, ...current.allowOverrides },
          clientTools: current.clientTools ?? [],
        },
        script: current.agent ?? conversationScript,
        faults: faultsFor(current, stats.conversations.length, {
          dropAfterMs: current.dropAfterMs,
          dropAfterResponses: current.dropAfterResponses,
          responseDelayMs: wallMs(current.responseDelayMs ?? 0, current),
        }),
        audioChunkIntervalMs: chunkIntervalMs(current),
        pingIntervalMs: current.pingIntervalMs ?? 1000,
        onSend: current.onSend,
      });
      conversations.add(conversation);
      ws.on('close', () => conversations.delete(conversation));
      conversation.start();
    });
  });

  const port = await listenOnLoopback(http, options.port);
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    get agentId() {
      return settings.agentId ?? 'agent_fake';
    },
    stats,
    configure: (changes) => {
      settings = { ...settings, ...changes };
    },
    close: () => closeSocketServer(http, wss, conversations),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
