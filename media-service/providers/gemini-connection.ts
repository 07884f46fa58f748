import type { GoogleGenAI, LiveConnectConfig, LiveServerMessage, Session } from '@google/genai';
import { Modality } from '@google/genai';
import { regionalTag } from '../../shared/languages';
import { guarded } from '../fault-boundary';
import { toolParametersJsonSchema } from '../tools/json-schema';
import type { ToolDefinition } from '../tools/types';
import { connectAttempt } from './connect-attempt';
import type { ProviderSessionOptions } from './types';

export const CONNECT_TIMEOUT_MS = 15_000;

export interface CloseInfo {
  code?: number;
  reason?: string;
}

/** A Live connection that failed before `setupComplete`, with the service's words. */
export class GeminiConnectError extends Error {
  override readonly name = 'GeminiConnectError';
}

export interface LiveConnectionHandlers {
  onMessage(message: LiveServerMessage): void;
  /** An opened connection closed (it may be one a resumed connection has replaced). */
  onClosed(session: Session | undefined, event: CloseInfo): void;
  /** What a handler threw: it ends this call only, never the process. */
  fault(error: Error): void;
}

/**
 * Opens one Live connection (`ai.live.connect`); resolves once the service answered
 * `setupComplete`. The SDK never rejects when the socket closes before that (it would wait
 * forever), so the close is watched here and fails the attempt with Google's close reason.
 */
export function openLiveConnection(ai: GoogleGenAI, model: string, config: LiveConnectConfig, handlers: LiveConnectionHandlers): Promise<Session> {
  const timedOut = () => new GeminiConnectError(`Gemini Live did not complete its setup within ${CONNECT_TIMEOUT_MS / 1000} s`);
  return connectAttempt<Session>(CONNECT_TIMEOUT_MS, timedOut, (attempt) => {
    const connection: { session?: Session; opened: boolean; lastError?: string } = { opened: false };
    ai.live
      .connect({
        model,
        config,
        // The SDK calls these from its socket handlers.
        callbacks: {
          onmessage: guarded((message: LiveServerMessage) => handlers.onMessage(message), handlers.fault),
          onerror: guarded((event: { message?: string; error?: unknown }) => {
            connection.lastError = event.message ?? (event.error instanceof Error ? event.error.message : undefined);
          }, handlers.fault),
          onclose: guarded((event: CloseInfo) => {
            if (!attempt.settled) return void attempt.fail(connectError(event, connection.lastError));
            if (connection.opened) handlers.onClosed(connection.session, event);
          }, handlers.fault),
        },
      })
      .then(
        (session) => {
          connection.session = session;
          if (!attempt.open(session)) return session.close();
          connection.opened = true;
        },
        (error: unknown) => attempt.fail(error instanceof Error ? error : new GeminiConnectError(String(error))),
      );
  });
}

/** The session's setup: audio out, the call's voice, instructions, transcription both ways, resumption and tools. */
export function liveConfig(options: ProviderSessionOptions, resumeHandle: string | undefined): LiveConnectConfig {
  const { voice, instructions, tools, language } = options;
  return {
    responseModalities: [Modality.AUDIO],
    speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: voice } }, ...(language ? { languageCode: regionalTag(language) } : {}) },
    systemInstruction: instructions,
    inputAudioTranscription: {},
    outputAudioTranscription: {},
    sessionResumption: resumeHandle ? { handle: resumeHandle } : {},
    // Audio sessions stop at ~15 minutes unless old context is compressed away.
    contextWindowCompression: { slidingWindow: {} },
    ...(tools.definitions.length > 0 ? { tools: [{ functionDeclarations: tools.definitions.map(functionDeclaration) }] } : {}),
  };
}

/** A tool as a Gemini function declaration (JSON Schema parameters). */
function functionDeclaration(definition: ToolDefinition) {
  return { name: definition.name, description: definition.description, parametersJsonSchema: toolParametersJsonSchema(definition) };
}

/** What the service said when it ended a connection before `setupComplete`. */
function connectError(event: CloseInfo, lastError: string | undefined): GeminiConnectError {
  const reason = event.reason?.trim();
  if (reason && /api key/i.test(reason)) return new GeminiConnectError(`Gemini Live rejected GEMINI_API_KEY (close ${event.code}): ${reason}`);
  if (reason) return new GeminiConnectError(`Gemini Live closed the connection during setup (close ${event.code}): ${reason}`);
  if (lastError) return new GeminiConnectError(`Gemini Live connection failed: ${lastError}`);
  return new GeminiConnectError(`Gemini Live closed the connection during setup (close ${event.code ?? 'without a code'})`);
}
