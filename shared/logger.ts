import { Logger } from '@aws-lambda-powertools/logger';
import { maskPhone } from './phone';

const SECRET_KEY = /(token|secret|password|authorization|api[-_]?key|private[-_]?key|signature)/i;

/**
 * Applied to every value the logger serializes: secrets are replaced by name, and any
 * phone number anywhere in a string keeps only its last four digits.
 */
export function redactForLog(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && key !== 'streamTokenExpiresAt') return '[redacted]';
    return maskPhone(value);
  }
  return value;
}

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'caller-engine',
  jsonReplacerFn: redactForLog,
});

/** Correlation keys carried on every line once known. */
export interface CallCorrelation {
  callbackId?: string;
  callSid?: string;
  streamSid?: string;
}

/** A logger for one call: the parent's settings plus the call's correlation keys. */
export function callLogger(keys: CallCorrelation, parent: Logger = logger): Logger {
  const child = parent.createChild();
  child.appendPersistentKeys(definedOnly(keys));
  return child;
}

function definedOnly(keys: CallCorrelation): Record<string, string> {
  return Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
