import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaEntry } from '../functions/lib/deps';
import { startFakeSecretsManager } from './support/fake-secrets-manager';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:caller-engine/twilio-auth-token-AbCdEf';
const TTL_SECONDS = 60;

describe('Lambda secrets after a rotation', () => {
  let secretsManager: Awaited<ReturnType<typeof startFakeSecretsManager>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    secretsManager = await startFakeSecretsManager();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      STAGE: 'prod',
      ALLOWED_DESTINATION_PREFIXES: '+1',
      BASE_URL: 'https://api.example.com',
      TWILIO_AUTH_TOKEN_SECRET_ARN: ARN,
      // a value left in the environment must not shadow the secret
      TWILIO_AUTH_TOKEN: 'placeholder-in-environment',
    });
    // Only the clock moves; sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(async () => {
    vi.useRealTimers();
    process.env = saved;
    await secretsManager?.close();
  });

  it('a warm container keeps the value it read until the cache TTL, then reads the new one', async () => {
    secretsManager.put(ARN, 'token-before-rotation');
    const handler = lambdaEntry((deps) => async () => deps.config.TWILIO_AUTH_TOKEN, ['TWILIO_AUTH_TOKEN'], undefined, TTL_SECONDS);
    expect(await handler({})).toBe('token-before-rotation');

    secretsManager.put(ARN, 'token-after-rotation');
    vi.setSystemTime(Date.now() + (TTL_SECONDS - 1) * 1000);
    expect(await handler({}), 'within the TTL the cached value is used').toBe('token-before-rotation');
    expect(secretsManager.reads).toHaveLength(1);

    vi.setSystemTime(Date.now() + 2000);
    expect(await handler({}), 'past the TTL the rotated value is read').toBe('token-after-rotation');
    expect(secretsManager.reads).toEqual([ARN, ARN]);
    expect(await handler({})).toBe('token-after-rotation');
    expect(secretsManager.reads).toHaveLength(2);
  });
});
