import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallRecord } from '../../shared/call-record';
import type { Config } from '../../shared/config';
import { checkAvailabilityTool } from './check-availability';
import { endCallTool } from './end-call';
import { missingGoogleSettings } from './google';
import { httpTool } from './http-tool';
import { scheduleMeetingTool } from './schedule-meeting';
import { sendDtmfTool } from './send-dtmf';
import { sendEmailTool } from './send-email';
import { sendSmsTool } from './send-sms';
import { transferCallTool } from './transfer-call';
import type { ToolDefinition } from './types';

/** Where `transfer_call` sends the caller on this call, if anywhere. */
export function transferDestination(call: CallRecord, c: Config): string | undefined {
  return call.request.transferTo ?? c.TRANSFER_NUMBER;
}

/** Every tool the media service provides itself (the names a per-call tool may not take). */
export function allBuiltInTools(): Array<{ name: string }> {
  return [endCallTool, sendSmsTool, sendDtmfTool, checkAvailabilityTool, scheduleMeetingTool, sendEmailTool, transferCallTool('+15550000000')];
}

/**
 * The tools offered on a call: call control and SMS always; calendar and e-mail when enabled
 * and configured; transfer when there is somewhere to transfer to; then the call's own HTTP
 * tools. A tool not offered cannot be run: the runner refuses names it was not given.
 */
export function toolsForCall(call: CallRecord, c: Config, log?: Logger): ToolDefinition[] {
  const tools: ToolDefinition[] = [endCallTool, sendSmsTool, sendDtmfTool];
  const enabledButUnconfigured = (feature: string, absent: string[]) => {
    if (absent.length) log?.warn(`${feature} tools are enabled but not configured; not offered`, { missing: absent });
    return absent.length > 0;
  };
  if (c.ENABLE_CALENDAR_TOOLS && !enabledButUnconfigured('Calendar', missingGoogleSettings(c, 'calendar'))) {
    tools.push(checkAvailabilityTool, scheduleMeetingTool);
  }
  if (c.ENABLE_EMAIL_TOOLS && !enabledButUnconfigured('E-mail', missingGoogleSettings(c, 'gmail'))) {
    tools.push(sendEmailTool);
  }
  const destination = transferDestination(call, c);
  if (destination) tools.push(transferCallTool(destination));
  for (const spec of call.request.tools ?? []) tools.push(httpTool(spec, c.WEBHOOK_SIGNING_SECRET));
  return tools as ToolDefinition[];
}
