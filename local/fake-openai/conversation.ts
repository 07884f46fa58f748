import type { ClientContentPart, ClientItem } from './client-events';
import { newId } from './ids';
import type { ScriptHistoryEntry } from './scripts';

/** Server-side conversation items, in the GA wire shape (`object: "realtime.item"`). */
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ContentPart {
  type: 'input_text' | 'input_audio' | 'input_image' | 'output_text' | 'output_audio';
  text?: string;
  transcript?: string | null;
}

export interface MessageItem {
  id: string;
  object: 'realtime.item';
  type: 'message';
  status: ItemStatus;
  role: 'user' | 'assistant' | 'system';
  content: ContentPart[];
}

export interface FunctionCallItem {
  id: string;
  object: 'realtime.item';
  type: 'function_call';
  status: ItemStatus;
  name: string;
  call_id: string;
  arguments: string;
}

export interface FunctionCallOutputItem {
  id: string;
  object: 'realtime.item';
  type: 'function_call_output';
  status: ItemStatus;
  call_id: string;
  output: string;
}

export type ConversationItem = MessageItem | FunctionCallItem | FunctionCallOutputItem;

export class Conversation {
  readonly #items = new Map<string, ConversationItem>();
  readonly #audioMsById = new Map<string, number>();
  #order: string[] = [];
  /** What the script sees: transcripts, spoken replies, tool outputs. */
  readonly history: ScriptHistoryEntry[] = [];

  /** Appends `item`; returns the id it follows (null at the start), as `previous_item_id`. */
  append(item: ConversationItem): string | null {
    const previous = this.#order.at(-1) ?? null;
    this.#items.set(item.id, item);
    this.#order.push(item.id);
    return previous;
  }

  get(id: string): ConversationItem | undefined {
    return this.#items.get(id);
  }

  delete(id: string): boolean {
    this.#order = this.#order.filter((existing) => existing !== id);
    this.#audioMsById.delete(id);
    return this.#items.delete(id);
  }

  last(): ConversationItem | undefined {
    const id = this.#order.at(-1);
    return id === undefined ? undefined : this.#items.get(id);
  }

  findFunctionCall(callId: string): FunctionCallItem | undefined {
    for (const item of this.#items.values()) {
      if (item.type === 'function_call' && item.call_id === callId) return item;
    }
    return undefined;
  }

  addAudio(itemId: string, ms: number): void {
    this.#audioMsById.set(itemId, (this.#audioMsById.get(itemId) ?? 0) + ms);
  }

  audioMs(itemId: string): number {
    return this.#audioMsById.get(itemId) ?? 0;
  }
}

/** A `conversation.item.create` item as the server stores it. */
export function itemFromClient(clientItem: ClientItem, id: string): ConversationItem {
  const base = { id, object: 'realtime.item' as const, status: 'completed' as const };
  switch (clientItem.type) {
    case 'function_call_output':
      return { ...base, type: 'function_call_output', call_id: clientItem.call_id, output: clientItem.output };
    case 'function_call':
      return { ...base, type: 'function_call', name: clientItem.name, call_id: clientItem.call_id ?? newId('call'), arguments: clientItem.arguments };
    case 'message':
      return { ...base, type: 'message', role: clientItem.role, content: clientItem.content.map((part) => toContentPart(part, clientItem.role)) };
  }
}

/** The words of a message item: its texts and transcripts. */
export function spokenText(item: MessageItem): string {
  return item.content
    .map((part) => part.text ?? part.transcript ?? '')
    .join(' ')
    .trim();
}

function toContentPart(part: ClientContentPart, role: MessageItem['role']): ContentPart {
  const type =
    part.type === 'text' ? (role === 'assistant' ? 'output_text' : 'input_text') : part.type === 'audio' ? 'output_audio' : part.type;
  return {
    type,
    ...(part.text !== undefined ? { text: part.text } : {}),
    ...(part.transcript !== undefined ? { transcript: part.transcript } : {}),
  };
}
