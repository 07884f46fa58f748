import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallRecord, ToolCallRecord } from '../../shared/call-record';
import type { CallStore } from '../../shared/call-store';
import type { Config } from '../../shared/config';
import type { TwilioClient } from '../../shared/twilio';
import { BridgeCallControl, type CallLine } from '../call-control';
import { toolsForCall } from '../tools';
import { googleClients } from '../tools/google';
import { createToolRunner } from '../tools/runner';
import { requestedEmailRecipients } from '../tools/send-email';
import type { ToolRunner } from '../tools/types';
import { waitAtMost } from '../../shared/wait-at-most';

/** How long finalizing waits for tool calls still in flight when the stream ends. */
const TOOL_SETTLE_TIMEOUT_MS = 5_000;

export interface CallToolsOptions {
  call: CallRecord;
  line: CallLine;
  config: Config;
  store: CallStore;
  twilio: () => TwilioClient;
  now: () => Date;
  log: Logger;
  /** Observes each tool call as it completes. */
  onToolCall?: (toolCall: ToolCallRecord) => void;
}

/**
 * The tools offered on one call, with call control over its live stream, each tool call
 * persisted in order as it completes.
 */
export class CallTools {
  readonly control: BridgeCallControl;
  readonly runner: ToolRunner;
  #writes: Promise<void> = Promise.resolve();
  #sequence = 0;

  constructor({ call, line, config, store, twilio, now, log, onToolCall }: CallToolsOptions) {
    this.control = new BridgeCallControl({
      callbackId: call.callbackId,
      from: call.request.from,
      line,
      twilio,
      store,
      allowedPrefixes: config.ALLOWED_DESTINATION_PREFIXES,
      log,
    });
    this.runner = createToolRunner({
      definitions: toolsForCall(call, config, log),
      context: {
        callbackId: call.callbackId,
        callSid: line.callSid(),
        to: call.request.to,
        from: call.request.from,
        emailRecipients: requestedEmailRecipients(call.request),
        config,
        now,
        callControl: this.control,
        services: { twilio, google: () => googleClients(config) },
      },
      log,
      record: (toolCall) => {
        onToolCall?.(toolCall);
        const sequence = ++this.#sequence;
        this.#writes = this.#writes.then(() =>
          store.appendToolCall(call.callbackId, sequence, toolCall).catch((error: unknown) => log.error('Tool call could not be persisted', { error })),
        );
      },
    });
  }

  /**
   * The stream has ended: a tool still running (a transfer recording its outcome) gets a
   * few seconds to finish, then every tool call is persisted.
   */
  async settle(): Promise<void> {
    await waitAtMost(this.runner.idle(), TOOL_SETTLE_TIMEOUT_MS);
    await this.#writes;
  }
}
