import type { ContentStart } from './input-events';

export interface OpenInputContent {
  start: ContentStart;
  parts: string[];
}

/** A refusal of the client's event, in the words of the service's validationException. */
export type Refusal = { refused: string };

/**
 * The client's content blocks of one prompt (system prompt, history, interactive text, audio,
 * tool results): what may open when, and which are open. Each method either does its part or
 * says why the service would refuse the event.
 */
export class InputContents {
  readonly #open = new Map<string, OpenInputContent>();
  #audioContentName: string | undefined;
  #audioStarted = false;

  constructor(private readonly promptName: string) {}

  /** `contentStart`; `historyLength` is how many history messages came before, `toolUseId` the tool use awaiting a result. */
  start(start: ContentStart, context: { historyLength: number; toolUseId: string | undefined }): Refusal | undefined {
    if (start.promptName !== this.promptName) return { refused: `Unknown promptName "${start.promptName}".` };
    if (this.#open.has(start.contentName)) return { refused: `Content "${start.contentName}" is already open.` };
    const refused = this.#refusal(start, context);
    if (refused) return { refused };
    if (start.type === 'AUDIO') {
      this.#audioContentName = start.contentName;
      this.#audioStarted = true;
    }
    this.#open.set(start.contentName, { start, parts: [] });
    return undefined;
  }

  /** The open content a `textInput`, `toolResult` or `audioInput` belongs to. */
  get(promptName: string, contentName: string, type: ContentStart['type']): OpenInputContent | Refusal {
    const content = this.#open.get(contentName);
    if (promptName !== this.promptName || !content) return { refused: `Content "${contentName}" of prompt "${promptName}" is not open.` };
    if (content.start.type !== type) return { refused: `Content "${contentName}" is ${content.start.type}, not ${type}.` };
    return content;
  }

  /** `contentEnd`: the content, now closed, with what it carried. */
  end(promptName: string, contentName: string): OpenInputContent | Refusal {
    const content = this.#open.get(contentName);
    if (promptName !== this.promptName || !content) return { refused: `contentEnd for "${contentName}", which is not open.` };
    this.#open.delete(contentName);
    if (content.start.type === 'AUDIO') this.#audioContentName = undefined;
    return content;
  }

  /** The names of the contents still open (a `promptEnd` with any is refused). */
  openNames(): string[] {
    return [...this.#open.keys()];
  }

  #refusal(start: ContentStart, context: { historyLength: number; toolUseId: string | undefined }): string | undefined {
    switch (start.type) {
      case 'AUDIO':
        if (start.role !== 'USER' || !start.audioInputConfiguration) return 'Audio content must be role USER with an audioInputConfiguration.';
        if (this.#audioContentName) return 'Only one audio content may be open at a time.';
        return undefined;
      case 'TEXT':
        if (!start.textInputConfiguration) return 'Text content needs a textInputConfiguration.';
        if (start.role === 'SYSTEM' && this.#audioStarted) return 'The system prompt must come before the audio content.';
        if (start.interactive === true || start.role === 'SYSTEM') return undefined;
        if (this.#audioStarted) return 'Conversation history (non-interactive text) must come before the audio content.';
        // Per the resume-conversation samples (unconfirmed by the API reference): history opens with a USER turn.
        if (context.historyLength === 0 && start.role !== 'USER') return 'Conversation history must start with a USER message.';
        return undefined;
      case 'TOOL': {
        const toolUseId = start.toolResultInputConfiguration?.toolUseId;
        if (start.role !== 'TOOL' || !toolUseId) return 'Tool content must be role TOOL with a toolResultInputConfiguration.';
        if (toolUseId !== context.toolUseId) return `No tool use is waiting for toolUseId "${toolUseId}".`;
        return undefined;
      }
    }
  }
}
