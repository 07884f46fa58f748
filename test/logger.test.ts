import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { redactForLog } from '../shared/logger';
import { maskPhone } from '../shared/phone';
import { configSchema, parseConfig } from '../shared/config';

describe('logs carry no secrets and no full phone numbers', () => {
  it('masks phone numbers anywhere in a string and redacts secret-named keys', () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const logger = new Logger({ logLevel: 'INFO', serviceName: 'test', jsonReplacerFn: redactForLog });
      logger.info('Call placed to +15551234567', {
        to: '+447700900123',
        nested: { note: 'call +15559876543 back', authToken: 'tok_live_123', apiKey: 'k-secret' },
        headers: { authorization: 'Bearer sk-live' },
      });
    } finally {
      spy.mockRestore();
    }
    const line = writes.join('');
    expect(line).toContain('*4567');
    expect(line).toContain('*0123');
    for (const secret of ['+15551234567', '+447700900123', '+15559876543', 'tok_live_123', 'k-secret', 'sk-live']) {
      expect(line).not.toContain(secret);
    }
  });

  it('keeps the last four digits only', () => {
    expect(maskPhone('+15551234567')).toBe('+*******4567');
    expect(maskPhone('no number here')).toBe('no number here');
  });
});

describe('configuration', () => {
  it('names every bad variable in one error', () => {
    expect(() => parseConfig({ STAGE: 'prod', TWILIO_PHONE_NUMBER: '555', WORKDAY_START_HOUR: '18', WORKDAY_END_HOUR: '9', BASE_URL: 'nope' })).toThrow(
      /ALLOWED_DESTINATION_PREFIXES[\s\S]*TWILIO_PHONE_NUMBER|TWILIO_PHONE_NUMBER[\s\S]*ALLOWED_DESTINATION_PREFIXES/,
    );
    const bad = { STAGE: 'prod', TWILIO_PHONE_NUMBER: '555', BASE_URL: 'nope', ALLOWED_DESTINATION_PREFIXES: '1,+44' };
    expect(() => parseConfig(bad)).toThrow(/TWILIO_PHONE_NUMBER[\s\S]*BASE_URL|BASE_URL[\s\S]*TWILIO_PHONE_NUMBER/);
    expect(() => parseConfig(bad)).toThrow(/"1" is not an E.164 prefix/);
  });

  it('reads .env.example as it is: empty values mean unset', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const env = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(env).length).toBeGreaterThan(40);
    expect(() => parseConfig(env)).not.toThrow();
    const documented = new Set(Object.keys(env));
    const undocumented = Object.keys(configSchema.shape).filter((name) => !documented.has(name));
    expect(undocumented, 'every variable of the schema is in .env.example').toEqual([]);
  });

  it('has working defaults for the embedded stack', () => {
    const c = parseConfig({ STAGE: 'local' });
    expect(c).toMatchObject({ STAGE: 'local', REALTIME_PROVIDER: 'openai', SUMMARY_ENABLED: true, API_AUTH: 'api-key' });
  });
});
