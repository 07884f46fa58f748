import http2, { type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { randomUUID } from 'node:crypto';
import { conversationScript, type AgentScript } from '../fake-openai/scripts';
import { MessageFramer, decodeRequestMessage, encodeResponseEvent, encodeResponseException } from './event-stream';
import { FakeNovaSession, type NovaFaults } from './session';
import { NovaStatsRecorder, type FakeNovaSonicStats } from './stats';
import { chunkIntervalMs, wallMs, type SpeechPacing } from '../fake-common/pacing';
import type { WireTap } from '../fake-common/wire-tap';
import { faultsFor, type FaultScope } from '../fake-common/fault-scope';
import { listenOnLoopback } from '../fake-common/loopback-server';

export type { FakeNovaSonicStats, NovaStreamStats } from './stats';
export type { NovaFaults } from './session';
export { INAUDIBLE } from './session';
export { INTERRUPTED_MARKER } from './output-events';

export const NOVA_SONIC_MODELS = ['amazon.nova-sonic-v1:0', 'amazon.nova-2-sonic-v1:0'] as const;

export interface FakeNovaSonicOptions extends NovaFaults, FaultScope, SpeechPacing, WireTap {
  /** @default 0 (a free port) */
  port?: number;
  /** Decides what the fake model says or calls. @default conversationScript */
  agent?: AgentScript;
  /** When set, a request signed with any other access key id gets 403 UnrecognizedClientException. */
  accessKeyId?: string;
  /** Requests signed with these access key ids get 403 AccessDeniedException (no model access). */
  deniedAccessKeyIds?: string[];
}

export interface FakeNovaSonic {
  /** `http://127.0.0.1:P`: the Bedrock runtime client's `endpoint`. */
  endpoint: string;
  stats: FakeNovaSonicStats;
  /** Changes pacing, faults and the script for streams opened from now on. */
  configure(changes: Partial<Omit<FakeNovaSonicOptions, 'port'>>): void;
  close(): Promise<void>;
}

const ROUTE = /^\/model\/([^/]+)\/invoke-with-bidirectional-stream$/;
const CREDENTIAL = /Credential=([^/,\s]+)\//;

/**
 * Amazon Bedrock's bidirectional streaming endpoint for Nova Sonic, on cleartext HTTP/2.
 * The real `BedrockRuntimeClient` reaches it with `endpoint: "http://127.0.0.1:P"` and any
 * credentials (its NodeHttp2Handler speaks h2c to an http: endpoint).
 */
export async function startFakeNovaSonic(options: FakeNovaSonicOptions = {}): Promise<FakeNovaSonic> {
  const settings: FakeNovaSonicOptions = { ...options };
  const stats = new NovaStatsRecorder();
  const server = http2.createServer();
  const connections = new Set<Http2Session>();
  const sessions = new Set<FakeNovaSession>();

  server.on('session', (connection) => {
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
  });
  server.on('stream', (stream, headers) => {
    const refusal = refusalFor(headers, options);
    if (refusal) {
      stats.requestsRefused.push({ status: refusal.status, errorType: refusal.errorType });
      return respondWithError(stream, refusal);
    }
    const modelId = decodeURIComponent(ROUTE.exec(headers[':path'] ?? '')![1]!);
    const session = openStream(stream, modelId, accessKeyIdOf(headers), stats, settings);
    sessions.add(session);
    stream.on('close', () => {
      session.abandon('client');
      sessions.delete(session);
    });
  });

  const port = await listenOnLoopback(server, options.port);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    configure: (changes) => Object.assign(settings, changes),
    close: async () => {
      for (const session of sessions) session.abandon('server');
      for (const connection of connections) connection.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function openStream(
  stream: ServerHttp2Stream,
  modelId: string,
  accessKeyId: string | undefined,
  stats: NovaStatsRecorder,
  options: FakeNovaSonicOptions,
): FakeNovaSession {
  stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  const write = (bytes: Uint8Array) => {
    if (!stream.closed && !stream.destroyed && stream.writable) stream.write(bytes);
  };
  const streamStats = stats.openStream(modelId, accessKeyId);
  const session = new FakeNovaSession({
    stats: streamStats,
    script: options.agent ?? conversationScript,
    faults: faultsFor(options, stats.streams.length, {
      dropAfterMs: options.dropAfterMs,
      dropAfterResponses: options.dropAfterResponses,
      exceptionAfterResponses: options.exceptionAfterResponses,
      responseDelayMs: wallMs(options.responseDelayMs ?? 0, options),
      outputSampleRateHertz: options.outputSampleRateHertz,
    }),
    chunkIntervalMs: chunkIntervalMs(options),
    timeScale: options.timeScale ?? 1,
    writer: {
      event: (json) => {
        options.onSend?.(json);
        write(encodeResponseEvent(json));
      },
      exception: (type, message) => write(encodeResponseException(type, message)),
      end: () => {
        if (!stream.closed && stream.writable) stream.end();
      },
      // The response stream breaks off without sessionEnd, after the frames already written: cutting
      // the connection instead would lose frames still in flight (and other streams sharing it).
      drop: () => {
        if (!stream.closed && stream.writable) stream.end();
      },
    },
  });
  const framer = new MessageFramer();
  stream.on('data', (chunk: Buffer) => {
    const framed = framer.push(chunk);
    if (!framed.ok) return session.malformed(framed.reason);
    for (const frame of framed.value) {
      const message = decodeRequestMessage(frame);
      if (!message.ok) session.malformed(message.reason);
      else if (message.value.kind === 'end') session.inputEnded();
      else session.receive(message.value.event);
    }
  });
  stream.on('end', () => session.inputEnded());
  stream.on('error', () => session.abandon('client'));
  return session;
}

interface Refusal {
  status: number;
  errorType: string;
  message: string;
}

function refusalFor(headers: IncomingHttpHeaders, options: FakeNovaSonicOptions): Refusal | undefined {
  const route = ROUTE.exec(headers[':path'] ?? '');
  if (headers[':method'] !== 'POST' || !route) {
    return { status: 404, errorType: 'UnknownOperationException', message: `No operation at ${headers[':method']} ${headers[':path']}` };
  }
  const accessKeyId = accessKeyIdOf(headers);
  if (!accessKeyId) return { status: 403, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  if (options.accessKeyId !== undefined && accessKeyId !== options.accessKeyId) {
    return { status: 403, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  if (options.deniedAccessKeyIds?.includes(accessKeyId)) {
    return { status: 403, errorType: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." };
  }
  const modelId = decodeURIComponent(route[1]!);
  if (!(NOVA_SONIC_MODELS as readonly string[]).includes(modelId)) {
    return { status: 400, errorType: 'ValidationException', message: 'The provided model identifier is invalid.' };
  }
  return undefined;
}

function accessKeyIdOf(headers: IncomingHttpHeaders): string | undefined {
  return CREDENTIAL.exec(headers.authorization ?? '')?.[1];
}

/** A restJson1 error: the SDK reads the type from `x-amzn-errortype` and the message from the body. */
function respondWithError(stream: ServerHttp2Stream, refusal: Refusal): void {
  const body = JSON.stringify({ message: refusal.message });
  stream.respond({
    ':status': refusal.status,
    'content-type': 'application/json',
    'x-amzn-errortype': `${refusal.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': randomUUID(),
  });
  stream.end(body);
  // The client may still be writing its event stream; drop the rest.
  stream.on('data', () => undefined);
}
