import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { LANGUAGES } from '../shared/languages';
import { sayAndHangUpTwiml } from '../shared/twilio';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const ES = LANGUAGES.es!;

async function spanishCall(provider: string, to: string) {
  stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [], hangUpAfterAgentTurns: 1, maxCallMs: 30_000 } });
  const callbackId = uniqueId(`es-${provider}`);
  const res = await initiate(stack, { callbackId, to, provider, language: 'es-ES', instructions: 'Your name is Ava.' });
  expect(res.status).toBe(200);
  await waitForEvent(stack, callbackId);
}

describe.concurrent("a Spanish call's settings reach each provider's session", () => {
  it('OpenAI: the Spanish instructions line first', async () => {
    await spanishCall('openai', '+15557790001');
    const session = stack.fakes.openai!.stats.sessions.find((s) => s.instructions.startsWith(ES.instructionsPrefix));
    expect(session?.instructions).toBe(`${ES.instructionsPrefix}\n\nYour name is Ava.`);
  });

  it('Gemini: languageCode es-ES and the Spanish instructions', async () => {
    await spanishCall('gemini', '+15557790002');
    const session = stack.fakes.gemini!.stats.sessions.find((s) => s.instructions?.startsWith(ES.instructionsPrefix));
    expect((session?.setup as any)?.generationConfig?.speechConfig?.languageCode ?? (session?.setup as any)?.speechConfig?.languageCode).toBe('es-ES');
  });

  it('ElevenLabs: agent language es and the Spanish first message', async () => {
    await spanishCall('elevenlabs', '+15557790003');
    const conversation = stack.fakes.elevenlabs!.stats.conversations.find((c) => c.instructions?.startsWith(ES.instructionsPrefix));
    expect(conversation?.initiation?.conversation_config_override?.agent).toMatchObject({ language: 'es', first_message: ES.greeting });
  });

  it('Nova Sonic: a Spanish voice', async () => {
    await spanishCall('amazon_nova_sonic', '+15557790004');
    expect(stack.fakes.amazon_nova_sonic!.stats.streams.some((s) => s.voiceId === 'lupe')).toBe(true);
  });
});

describe('voicemail in the call language', () => {
  it('<Say language> carries the region', () => {
    expect(sayAndHangUpTwiml('Hola', 'es')).toContain('<Say language="es-ES">Hola</Say>');
    expect(sayAndHangUpTwiml('Hello')).toContain('<Say>Hello</Say>');
  });
});
