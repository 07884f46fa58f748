import { describe, expect, it } from 'vitest';
import { leadingType, readAudioDelta, routeOf } from '../media-service/providers/openai-socket';

const delta = (fields: Record<string, unknown>) => JSON.stringify({ type: 'response.output_audio.delta', event_id: 'event_1', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0, delta: 'f39/fw==', ...fields });

const isUnused = (data: string) => routeOf(data) === 'unused';

describe('audio deltas read off the wire', () => {
  it('keeps the base64 audio as sent and reads the ids around it', () => {
    expect(readAudioDelta(delta({}), 5n)).toEqual({ responseId: 'resp_1', itemId: 'item_1', contentIndex: 0, payloadBase64: 'f39/fw==', atNs: 5n });
    expect(readAudioDelta(delta({ content_index: 2, trailing: 'x' }), 0n)).toMatchObject({ contentIndex: 2, payloadBase64: 'f39/fw==' });
  });

  it('leaves anything unexpected to the SDK', () => {
    expect(readAudioDelta(delta({ delta: 'not base64!' }), 0n)).toBeUndefined();
    expect(readAudioDelta(delta({ response_id: 7 }), 0n)).toBeUndefined();
    expect(readAudioDelta(delta({ type: 'response.output_audio_transcript.delta' }), 0n)).toBeUndefined();
    expect(readAudioDelta('{"type":"response.output_audio.delta","delta":"AAAA"', 0n)).toBeUndefined();
    expect(readAudioDelta(JSON.stringify({ type: 'response.output_audio.delta', response_id: 'r', item_id: 'i' }), 0n)).toBeUndefined();
  });

  it('reads the type of an event whatever the order of its fields', () => {
    expect(leadingType(delta({}))).toBe('response.output_audio.delta');
    expect(leadingType(JSON.stringify({ event_id: 'event_1', type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_1', delta: 'f39/fw==' }))).toBe('response.output_audio.delta');
    expect(leadingType(JSON.stringify({ type: 'response.output_audio.done', event_id: 'event_1' }))).toBe('response.output_audio.done');
    expect(leadingType(JSON.stringify({ event_id: 'e', previous_item_id: 'x'.repeat(200), type: 'conversation.item.added' }))).toBeUndefined();
  });

  it('recognises the events nothing reads, and nothing else', () => {
    expect(isUnused(JSON.stringify({ event_id: 'event_1', type: 'response.output_audio_transcript.delta', response_id: 'r', item_id: 'i', delta: 'Hel' }))).toBe(true);
    expect(isUnused(JSON.stringify({ type: 'response.output_audio_transcript.done', transcript: 'Hello' }))).toBe(false);
    expect(isUnused(JSON.stringify({ event_id: 'event_2', type: 'conversation.item.input_audio_transcription.delta', item_id: 'i', content_index: 0, delta: 'x' }))).toBe(true);
    expect(isUnused(JSON.stringify({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'Hi' }))).toBe(false);
    expect(isUnused(JSON.stringify({ event_id: 'e', type: 'rate_limits.updated', rate_limits: [] }))).toBe(true);
    expect(isUnused(JSON.stringify({ event_id: 'e', type: 'conversation.item.done', item: { type: 'message', content: [] } }))).toBe(true);
    expect(isUnused(JSON.stringify({ event_id: 'e', type: 'response.output_item.done', item: { type: 'function_call' } }))).toBe(false);
    expect(isUnused(JSON.stringify({ event_id: 'e', type: 'response.content_part.done', part: { type: 'audio' } }))).toBe(true);
    expect(isUnused(JSON.stringify({ event_id: 'e', item: { type: 'rate_limits.updated' }, type: 'conversation.item.added' }))).toBe(false);
    expect(isUnused(JSON.stringify({ type: 'error', error: { message: '"type":"response.output_audio_transcript.delta"' } }))).toBe(false);
  });
});
