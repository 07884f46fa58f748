/** An `error` event's error, before it is sent: code, message and param as the Realtime server words them. */
export interface WireError {
  code: string;
  message: string;
  param: string | null;
  eventId: string | null;
}

/** The Realtime server's refusals of a client event, by what went wrong. */
export const wireErrors = {
  binaryFrame: (): WireError => ({ code: 'invalid_type', message: 'Binary frames are not supported; send JSON text frames.', param: null, eventId: null }),
  serverFailed: (error: unknown, eventId: string | undefined): WireError => ({
    code: 'server_error',
    message: `The fake server failed: ${String(error)}`,
    param: null,
    eventId: eventId ?? null,
  }),
  commitTooSmall: (minMs: number, heldMs: number, eventId: string | undefined): WireError => ({
    code: 'input_audio_buffer_commit_empty',
    message: `Error committing input audio buffer: buffer too small. Expected at least ${minMs}ms of audio, but buffer only has ${Math.floor(heldMs)}ms of audio.`,
    param: null,
    eventId: eventId ?? null,
  }),
  responseInProgress: (responseId: string, eventId: string | undefined): WireError => ({
    code: 'conversation_already_has_active_response',
    message: `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    param: null,
    eventId: eventId ?? null,
  }),
  noActiveResponse: (eventId: string | undefined): WireError => ({
    code: 'response_cancel_not_active',
    message: 'Cancellation failed: no active response found',
    param: null,
    eventId: eventId ?? null,
  }),
  itemExists: (itemId: string, eventId: string | undefined): WireError => ({
    code: 'item_already_exists',
    message: `Item with id '${itemId}' already exists.`,
    param: 'item.id',
    eventId: eventId ?? null,
  }),
  unknownToolCall: (callId: string, eventId: string | undefined): WireError => ({
    code: 'invalid_value',
    message: `Tool call ID '${callId}' not found in conversation.`,
    param: 'item.call_id',
    eventId: eventId ?? null,
  }),
  notTruncatable: (itemId: string, contentIndex: number, eventId: string | undefined): WireError => ({
    code: 'invalid_value',
    message: `Only assistant messages with audio can be truncated; item '${itemId}' content ${contentIndex} has no audio.`,
    param: 'content_index',
    eventId: eventId ?? null,
  }),
  audioTooShort: (availableMs: number, audioEndMs: number, eventId: string | undefined): WireError => ({
    code: 'invalid_value',
    message: `Audio content of ${availableMs}ms is already shorter than ${audioEndMs}ms`,
    param: 'audio_end_ms',
    eventId: eventId ?? null,
  }),
  itemNotFound: (itemId: string, eventId: string | undefined): WireError => ({
    code: 'item_not_found',
    message: `Item with item_id not found: ${itemId}`,
    param: 'item_id',
    eventId: eventId ?? null,
  }),
};
