import type { CallRecord } from '../../shared/call-record';
import type { Config } from '../../shared/config';
import type { ToolDefinition } from './types';

/** The tools offered on a call: those enabled by configuration and the call's own settings. */
export function toolsForCall(_call: CallRecord, _c: Config): ToolDefinition[] {
  return [];
}
