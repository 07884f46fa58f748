import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { apiKeyMatches } from '../shared/api-key';
import { parseConfig, requireSecrets } from '../shared/config';
import { isAllowedDestination } from '../shared/phone';
import { isValidStreamSignature, isValidTwilioSignature } from '../shared/twilio';

const deployed = { STAGE: 'prod', ALLOWED_DESTINATION_PREFIXES: '+1' };

describe('a deployment that forgets a setting gets the strict rules', () => {
  it('no STAGE is not the local stage: the destination allow-list is required', () => {
    expect(() => parseConfig({})).toThrow(/ALLOWED_DESTINATION_PREFIXES is required outside the local stage/);
    expect(() => parseConfig({ STAGE: 'local' })).not.toThrow();
  });

  it('outside local a process refuses to start without its Twilio auth token or API key', () => {
    const c = parseConfig(deployed);
    expect(() => requireSecrets(c, ['API_KEY', 'TWILIO_AUTH_TOKEN'])).toThrow(/API_KEY is required[\s\S]*TWILIO_AUTH_TOKEN is required/);
    expect(() => requireSecrets(c, ['TWILIO_AUTH_TOKEN'])).toThrow(/TWILIO_AUTH_TOKEN/);
    expect(() => requireSecrets(parseConfig({ ...deployed, API_AUTH: 'iam' }), ['API_KEY'])).not.toThrow();
    expect(() => requireSecrets(parseConfig({ ...deployed, API_KEY: 'k', TWILIO_AUTH_TOKEN: 't' }), ['API_KEY', 'TWILIO_AUTH_TOKEN'])).not.toThrow();
    expect(() => requireSecrets(parseConfig({ STAGE: 'local' }), ['API_KEY', 'TWILIO_AUTH_TOKEN'])).not.toThrow();
  });

  it('refuses a bare "+" (or "+0") as an allowed destination prefix', () => {
    expect(() => parseConfig({ STAGE: 'prod', ALLOWED_DESTINATION_PREFIXES: '+' })).toThrow(/"\+" is not an E.164 prefix/);
    expect(() => parseConfig({ STAGE: 'prod', ALLOWED_DESTINATION_PREFIXES: '+44,+0' })).toThrow(/"\+0" is not an E.164 prefix/);
  });
});

describe('no secret verifies nothing, whatever the stage', () => {
  const url = 'https://api.example.com/twiml/outbound?callbackId=abc';
  const params = { CallSid: `CA${'1'.repeat(32)}` };

  it('a signature made with the empty key is refused under an empty auth token', () => {
    const forged = getExpectedTwilioSignature('', url, params);
    expect(isValidTwilioSignature('', forged, url, params)).toBe(false);
    const stream = 'wss://media.example.com/media-stream/abc';
    expect(isValidStreamSignature('', getExpectedTwilioSignature('', stream, {}), stream)).toBe(false);
    expect(isValidTwilioSignature('secret', getExpectedTwilioSignature('secret', url, params), url, params)).toBe(true);
  });

  it('an empty API key matches nothing', () => {
    expect(apiKeyMatches('', '')).toBe(false);
    expect(apiKeyMatches('anything', '')).toBe(false);
    expect(apiKeyMatches('k', 'k')).toBe(true);
  });
});

describe('toll fraud: +1 does not admit premium-rate or Caribbean NANP numbers', () => {
  it('blocks +1 900/976 and +1 876 under +1; a prefix naming the area allows it', () => {
    for (const to of ['+19005551234', '+19765551234', '+18765551234', '+18095551234']) expect(isAllowedDestination(to, ['+1'])).toBe(false);
    expect(isAllowedDestination('+12125551234', ['+1'])).toBe(true);
    expect(isAllowedDestination('+14165551234', ['+1'])).toBe(true);
    expect(isAllowedDestination('+18765551234', ['+1', '+1876'])).toBe(true);
  });
});
