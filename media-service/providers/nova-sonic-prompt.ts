import { randomUUID } from 'node:crypto';
import { toolParametersJsonSchema } from '../tools/json-schema';
import type { ToolDefinition } from '../tools/types';

/**
 * The input events of one Nova Sonic session, in the order Bedrock requires them:
 * sessionStart → promptStart → SYSTEM text → (history) → the USER audio content with its
 * audioInput chunks, interleaved with USER text and TOOL result contents → contentEnd of the
 * audio → promptEnd → sessionEnd. Every event after sessionStart names the prompt; every
 * content event names its content.
 */

export type NovaInputEvent = { event: Record<string, unknown> };

/**
 * LPCM at Twilio's own rate both ways (Nova Sonic takes and speaks 8, 16 or 24 kHz): the call's
 * audio is only μ-law-decoded and -encoded, never resampled, and each event carries a third of
 * the bytes 24 kHz would.
 */
export const INPUT_SAMPLE_RATE = 8000;
export const OUTPUT_SAMPLE_RATE = 8000;

const lpcm = (sampleRateHertz: number) => ({
  mediaType: 'audio/lpcm',
  sampleRateHertz,
  sampleSizeBits: 16,
  channelCount: 1,
  encoding: 'base64',
  audioType: 'SPEECH',
});
const TEXT_PLAIN = { mediaType: 'text/plain' };

export interface PromptSettings {
  voiceId: string;
  tools: readonly ToolDefinition[];
  /** @default { maxTokens: 1024, topP: 0.9, temperature: 0.7 } (the samples' values) */
  inference?: { maxTokens: number; topP: number; temperature: number };
}

export class NovaSonicPrompt {
  readonly promptName = randomUUID();
  readonly audioContentName = randomUUID();

  sessionStart(settings: PromptSettings): NovaInputEvent {
    return { event: { sessionStart: { inferenceConfiguration: settings.inference ?? { maxTokens: 1024, topP: 0.9, temperature: 0.7 } } } };
  }

  promptStart(settings: PromptSettings): NovaInputEvent {
    return {
      event: {
        promptStart: {
          promptName: this.promptName,
          textOutputConfiguration: TEXT_PLAIN,
          audioOutputConfiguration: { ...lpcm(OUTPUT_SAMPLE_RATE), voiceId: settings.voiceId },
          toolUseOutputConfiguration: { mediaType: 'application/json' },
          ...(settings.tools.length > 0 ? { toolConfiguration: { tools: settings.tools.map(toolSpecOf) } } : {}),
        },
      },
    };
  }

  systemPrompt(text: string): NovaInputEvent[] {
    return this.#textContent('SYSTEM', text, false);
  }

  /** Earlier turns (a renewed session): allowed only after the system prompt, before the audio. */
  history(role: 'USER' | 'ASSISTANT', text: string): NovaInputEvent[] {
    return this.#textContent(role, text, false);
  }

  audioStart(): NovaInputEvent {
    return {
      event: {
        contentStart: {
          promptName: this.promptName,
          contentName: this.audioContentName,
          type: 'AUDIO',
          interactive: true,
          role: 'USER',
          audioInputConfiguration: lpcm(INPUT_SAMPLE_RATE),
        },
      },
    };
  }

  audioChunk(pcmBase64: string): NovaInputEvent {
    return { event: { audioInput: { promptName: this.promptName, contentName: this.audioContentName, content: pcmBase64 } } };
  }

  /** Cross-modal text from the user's side (Nova 2 Sonic); the model answers it like speech. */
  userText(text: string): NovaInputEvent[] {
    return this.#textContent('USER', text, true);
  }

  toolResult(toolUseId: string, content: string): NovaInputEvent[] {
    const contentName = randomUUID();
    return [
      {
        event: {
          contentStart: {
            promptName: this.promptName,
            contentName,
            interactive: false,
            type: 'TOOL',
            role: 'TOOL',
            toolResultInputConfiguration: { toolUseId, type: 'TEXT', textInputConfiguration: TEXT_PLAIN },
          },
        },
      },
      { event: { toolResult: { promptName: this.promptName, contentName, content } } },
      { event: { contentEnd: { promptName: this.promptName, contentName } } },
    ];
  }

  /** The closing sequence: end the audio content, then the prompt, then the session. */
  closing(): NovaInputEvent[] {
    return [
      { event: { contentEnd: { promptName: this.promptName, contentName: this.audioContentName } } },
      { event: { promptEnd: { promptName: this.promptName } } },
      { event: { sessionEnd: {} } },
    ];
  }

  #textContent(role: 'SYSTEM' | 'USER' | 'ASSISTANT', content: string, interactive: boolean): NovaInputEvent[] {
    const contentName = randomUUID();
    return [
      { event: { contentStart: { promptName: this.promptName, contentName, type: 'TEXT', interactive, role, textInputConfiguration: TEXT_PLAIN } } },
      { event: { textInput: { promptName: this.promptName, contentName, content } } },
      { event: { contentEnd: { promptName: this.promptName, contentName } } },
    ];
  }
}

/** Our tool as a Nova toolSpec: the input schema travels as a JSON string. */
export function toolSpecOf(definition: ToolDefinition): { toolSpec: { name: string; description: string; inputSchema: { json: string } } } {
  return {
    toolSpec: { name: definition.name, description: definition.description, inputSchema: { json: JSON.stringify(toolParametersJsonSchema(definition)) } },
  };
}
