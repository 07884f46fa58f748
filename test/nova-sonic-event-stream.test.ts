import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MessageFramer,
  decodeRequestMessage,
  decodeResponseMessage,
  encodeRequestMessage,
  encodeResponseEvent,
  encodeResponseException,
} from '../local/fake-nova-sonic/event-stream';
import { parseInputEvent } from '../local/fake-nova-sonic/input-events';
import { generationStageOf, parseNovaOutputEvent, readInterruption } from '../media-service/providers/nova-sonic-events';
import { NovaSonicPrompt } from '../media-service/providers/nova-sonic-prompt';
import type { ToolDefinition } from '../media-service/tools/types';

const sessionStart = { event: { sessionStart: { inferenceConfiguration: { maxTokens: 1024, topP: 0.9, temperature: 0.7 } } } };
/** An output event's JSON as the bytes of a `chunk`. */
const bytes = (json: unknown) => new Uint8Array(Buffer.from(JSON.stringify(json)));

describe('event-stream framing of the bidirectional stream', () => {
  it('request: the signed outer message wraps a chunk event whose bytes are the Nova JSON', () => {
    const signature = Uint8Array.from({ length: 32 }, (_, i) => i);
    const decoded = decodeRequestMessage(encodeRequestMessage(sessionStart, signature, new Date('2025-01-01T00:00:00Z')));
    expect(decoded).toEqual({ ok: true, value: { kind: 'event', event: sessionStart, signed: true } });
  });

  it('request: a signed message with an empty body ends the input stream', () => {
    expect(decodeRequestMessage(encodeRequestMessage(undefined))).toEqual({ ok: true, value: { kind: 'end' } });
  });

  it('response: chunk events and modeled exceptions round-trip', () => {
    const event = { event: { textOutput: { contentId: 'c1', role: 'USER', content: 'héllo, wörld' } } };
    expect(decodeResponseMessage(encodeResponseEvent(event))).toEqual({ ok: true, value: { kind: 'event', event } });
    expect(decodeResponseMessage(encodeResponseException('validationException', 'Invalid input request'))).toEqual({
      ok: true,
      value: { kind: 'exception', type: 'validationException', message: 'Invalid input request' },
    });
  });

  it('a corrupted message is a value, not an exception', () => {
    const frame = encodeRequestMessage(sessionStart);
    frame[frame.length - 10]! ^= 0xff;
    const decoded = decodeRequestMessage(frame);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toMatch(/checksum/i);
  });

  it('the framer reassembles messages however the byte stream is cut', () => {
    const events = [sessionStart, { event: { promptEnd: { promptName: 'p' } } }, { event: { sessionEnd: {} } }];
    const stream = Buffer.concat([...events.map((e) => encodeRequestMessage(e)), encodeRequestMessage(undefined)]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const framer = new MessageFramer();
        const bounds = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const frames: Uint8Array[] = [];
        for (let i = 1; i < bounds.length; i++) {
          const pushed = framer.push(stream.subarray(bounds[i - 1], bounds[i]));
          if (!pushed.ok) throw new Error(pushed.reason);
          frames.push(...pushed.value);
        }
        const decoded = frames.map((frame) => decodeRequestMessage(frame));
        expect(decoded).toEqual([...events.map((event) => ({ ok: true, value: { kind: 'event', event, signed: true } })), { ok: true, value: { kind: 'end' } }]);
        expect(framer.pendingBytes).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('the framer refuses an implausible length prefix', () => {
    expect(new MessageFramer().push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])).ok).toBe(false);
  });
});

describe('the adapter and the fake agree on the events', () => {
  const lookup: ToolDefinition = {
    name: 'lookup_order',
    description: 'Finds an order.',
    parameters: z.object({ orderId: z.string().describe('The order number') }),
    execute: async () => ({}),
  };

  it('every input event the adapter builds passes the fake schemas', () => {
    const prompt = new NovaSonicPrompt();
    const settings = { voiceId: 'matthew', tools: [lookup] };
    const all = [
      prompt.sessionStart(settings),
      prompt.promptStart(settings),
      ...prompt.systemPrompt('Be brief.'),
      ...prompt.history('USER', 'Hi'),
      prompt.audioStart(),
      prompt.audioChunk(Buffer.alloc(640).toString('base64')),
      ...prompt.userText('(greet the caller)'),
      ...prompt.toolResult('tool-1', '{"status":"shipped"}'),
      ...prompt.closing(),
    ];
    for (const event of all) expect(parseInputEvent(event), JSON.stringify(event).slice(0, 120)).toMatchObject({ ok: true });
    const toolSpec = (prompt.promptStart(settings).event.promptStart as { toolConfiguration: { tools: Array<{ toolSpec: { inputSchema: { json: string } } }> } })
      .toolConfiguration.tools[0]!.toolSpec;
    expect(JSON.parse(toolSpec.inputSchema.json)).toMatchObject({ type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] });
    expect(JSON.parse(toolSpec.inputSchema.json)).not.toHaveProperty('$schema');
  });

  it('the fake refuses malformed input with a message naming the field', () => {
    const parsed = parseInputEvent({ event: { audioInput: { promptName: 'p', content: 'AAAA' } } });
    expect(parsed).toEqual({ ok: false, message: expect.stringContaining('audioInput.contentName') });
    expect(parseInputEvent({ event: { sessionStart: {}, promptEnd: {} } })).toMatchObject({ ok: false });
  });

  it('output events parse into typed values; unknown events pass; junk is a value', () => {
    const start = parseNovaOutputEvent(
      bytes({ event: { contentStart: { contentId: 'c', type: 'TEXT', role: 'ASSISTANT', additionalModelFields: '{"generationStage":"SPECULATIVE"}' } } }),
    );
    expect(start).toMatchObject({ ok: true, event: { name: 'contentStart' } });
    if (start.ok && start.event.name === 'contentStart') expect(generationStageOf(start.event.body)).toBe('SPECULATIVE');
    expect(parseNovaOutputEvent(bytes({ event: { somethingNew: {} } }))).toEqual({ ok: true, event: { name: 'unknown', eventName: 'somethingNew' } });
    expect(parseNovaOutputEvent(bytes({ event: { audioOutput: {} } }))).toMatchObject({ ok: false });
    expect(parseNovaOutputEvent(new Uint8Array([0x7b]))).toMatchObject({ ok: false });
  });

  it("an audio content's announced rate is read when it is one, and anything else there leaves the content intact", () => {
    const rateOf = (audioOutputConfiguration: unknown) => {
      const parsed = parseNovaOutputEvent(bytes({ event: { contentStart: { contentId: 'c', type: 'AUDIO', role: 'ASSISTANT', audioOutputConfiguration } } }));
      if (!parsed.ok || parsed.event.name !== 'contentStart') throw new Error(`contentStart refused: ${JSON.stringify(parsed)}`);
      return parsed.event.body.audioOutputConfiguration?.sampleRateHertz;
    };
    expect(rateOf({ mediaType: 'audio/lpcm', sampleRateHertz: 24000, sampleSizeBits: 16 })).toBe(24000);
    expect(rateOf({ sampleRateHertz: '24000' })).toBeUndefined();
    expect(rateOf({ sampleRateHertz: -8000 })).toBeUndefined();
    expect(rateOf('lpcm')).toBeUndefined();
  });

  it('the barge-in marker is found with or without words around it', () => {
    expect(readInterruption('{ "interrupted" : true }')).toEqual({ interrupted: true, text: '' });
    expect(readInterruption('Sure, I can{"interrupted":true}')).toEqual({ interrupted: true, text: 'Sure, I can' });
    expect(readInterruption('Nothing to see.')).toEqual({ interrupted: false, text: 'Nothing to see.' });
  });
});
