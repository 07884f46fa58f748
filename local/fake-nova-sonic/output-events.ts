import { randomUUID } from 'node:crypto';

/**
 * Builds Nova Sonic output events with the identifiers the real service puts on every one
 * (sessionId, promptName, completionId, contentId). A completion is one turn: the user's
 * transcript, any tool use, then the assistant's speculative text, audio and final text.
 */

export type ContentType = 'TEXT' | 'AUDIO' | 'TOOL';
export type ContentRole = 'USER' | 'ASSISTANT' | 'TOOL';
export type GenerationStage = 'SPECULATIVE' | 'FINAL';
export type StopReason = 'PARTIAL_TURN' | 'END_TURN' | 'INTERRUPTED' | 'TOOL_USE';

/** What Nova writes into an assistant text block when the user barges in. */
export const INTERRUPTED_MARKER = '{ "interrupted" : true }';

export interface OpenContent {
  contentId: string;
  type: ContentType;
  role: ContentRole;
}

export class OutputEvents {
  readonly sessionId = randomUUID();
  #completionId: string | undefined;

  constructor(
    private readonly promptName: string,
    private readonly outputAudio: { sampleRateHertz: number; voiceId: string },
  ) {}

  get inCompletion(): boolean {
    return this.#completionId !== undefined;
  }

  completionStart(): object {
    this.#completionId = randomUUID();
    return { event: { completionStart: this.#ids() } };
  }

  completionEnd(stopReason: 'END_TURN' | 'INTERRUPTED'): object {
    const event = { event: { completionEnd: { ...this.#ids(), stopReason } } };
    this.#completionId = undefined;
    return event;
  }

  contentStart(type: ContentType, role: ContentRole, stage?: GenerationStage): { content: OpenContent; event: object } {
    const content: OpenContent = { contentId: randomUUID(), type, role };
    const configuration =
      type === 'AUDIO'
        ? {
            audioOutputConfiguration: {
              mediaType: 'audio/lpcm',
              sampleRateHertz: this.outputAudio.sampleRateHertz,
              sampleSizeBits: 16,
              channelCount: 1,
              encoding: 'base64',
            },
          }
        : type === 'TOOL'
          ? { toolUseOutputConfiguration: { mediaType: 'application/json' } }
          : { textOutputConfiguration: { mediaType: 'text/plain' } };
    return {
      content,
      event: {
        event: {
          contentStart: {
            ...this.#ids(),
            contentId: content.contentId,
            type,
            role,
            ...(stage ? { additionalModelFields: JSON.stringify({ generationStage: stage }) } : {}),
            ...configuration,
          },
        },
      },
    };
  }

  textOutput(content: OpenContent, text: string): object {
    return { event: { textOutput: { ...this.#ids(), contentId: content.contentId, role: content.role, content: text } } };
  }

  audioOutput(content: OpenContent, base64: string): object {
    return { event: { audioOutput: { ...this.#ids(), contentId: content.contentId, content: base64 } } };
  }

  toolUse(content: OpenContent, toolName: string, toolUseId: string, input: unknown): object {
    return { event: { toolUse: { ...this.#ids(), contentId: content.contentId, toolName, toolUseId, content: JSON.stringify(input) } } };
  }

  contentEnd(content: OpenContent, stopReason: StopReason): object {
    return { event: { contentEnd: { ...this.#ids(), contentId: content.contentId, type: content.type, role: content.role, stopReason } } };
  }

  usageEvent(inputTokens: number, outputTokens: number): object {
    return {
      event: {
        usageEvent: {
          ...this.#ids(),
          details: { delta: { input: { speechTokens: inputTokens, textTokens: 0 }, output: { speechTokens: outputTokens, textTokens: 0 } } },
          totalInputTokens: inputTokens,
          totalOutputTokens: outputTokens,
          totalTokens: inputTokens + outputTokens,
        },
      },
    };
  }

  #ids() {
    return { sessionId: this.sessionId, promptName: this.promptName, completionId: this.#completionId ?? randomUUID() };
  }
}
