import type { RawData } from 'ws';
import { z } from 'zod';
import type { Config } from '../../shared/config';
import { languageTexts, primaryLanguage } from '../../shared/languages';
import type { ProviderSessionOptions } from './types';

export const CONNECT_TIMEOUT_MS = 15_000;
/** The platform's placeholder voice: keep the agent's own voice (no TTS override). */
export const AGENT_DEFAULT_VOICE = 'agent-default';

const signedUrlSchema = z.object({ signed_url: z.string().regex(/^wss?:\/\//) }).loose();

/** The conversation could not start; the message says what ElevenLabs answered. */
export class ElevenLabsConnectError extends Error {
  override readonly name = 'ElevenLabsConnectError';
}

/** A signed URL when an API key is configured (private agents), else the public agent URL. */
export async function conversationUrl(config: Config): Promise<string> {
  const { ELEVENLABS_API_KEY: apiKey, ELEVENLABS_AGENT_ID: agentId, ELEVENLABS_BASE_URL: baseUrl } = config;
  if (!agentId) throw new ElevenLabsConnectError('ELEVENLABS_AGENT_ID is not set');
  if (!apiKey) {
    const url = new URL('/v1/convai/conversation', baseUrl.replace(/^http/, 'ws'));
    url.searchParams.set('agent_id', agentId);
    return url.toString();
  }
  const request = new URL('/v1/convai/conversation/get-signed-url', baseUrl);
  request.searchParams.set('agent_id', agentId);
  let response: Response;
  try {
    response = await fetch(request, { headers: { 'xi-api-key': apiKey }, signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
  } catch (error) {
    throw new ElevenLabsConnectError(`ElevenLabs signed-URL request failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const detail = describeDetail(body);
    if (response.status === 401) throw new ElevenLabsConnectError(`ElevenLabs rejected ELEVENLABS_API_KEY (401${detail})`);
    if (response.status === 404) throw new ElevenLabsConnectError(`ElevenLabs has no agent ELEVENLABS_AGENT_ID=${agentId} (404${detail})`);
    throw new ElevenLabsConnectError(`ElevenLabs signed-URL request failed (${response.status}${detail})`);
  }
  const parsed = signedUrlSchema.safeParse(body);
  if (!parsed.success) throw new ElevenLabsConnectError('ElevenLabs answered the signed-URL request without a signed_url');
  return parsed.data.signed_url;
}

/** The first client message: the call's prompt, language, voice and dynamic variables. */
export function initiationData(options: ProviderSessionOptions): object {
  const { instructions, voice, variables, language } = options;
  // A language also replaces the agent's first message, which is written in the agent's own language.
  const spoken = language ? { language: primaryLanguage(language), first_message: languageTexts(language)?.greeting } : {};
  return {
    type: 'conversation_initiation_client_data',
    conversation_config_override: {
      agent: { prompt: { prompt: instructions }, ...spoken },
      ...(voice && voice !== AGENT_DEFAULT_VOICE ? { tts: { voice_id: voice } } : {}),
    },
    dynamic_variables: { ...variables },
  };
}

/** What ElevenLabs said when it ended the conversation before it started. */
export function closeError(code: number, reason: string, lastError: string | undefined): ElevenLabsConnectError {
  if (reason) return new ElevenLabsConnectError(`ElevenLabs closed the conversation before it started (${code}): ${reason}`);
  if (lastError) return new ElevenLabsConnectError(`ElevenLabs connection failed: ${lastError}`);
  return new ElevenLabsConnectError(`ElevenLabs closed the conversation before it started (${code})`);
}

/** `{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}` → `: invalid_api_key: Invalid API key`. */
function describeDetail(body: unknown): string {
  const detail = body && typeof body === 'object' && 'detail' in body ? (body as { detail: unknown }).detail : undefined;
  if (typeof detail === 'string') return `: ${detail}`;
  if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
    const { status, message } = detail as { status?: unknown; message?: unknown };
    return `: ${[status, message].filter((v) => typeof v === 'string').join(': ')}`;
  }
  return '';
}

/** A `ws` message (Buffer, fragments or ArrayBuffer) as text. */
export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
