import type { Logger } from '@aws-lambda-powertools/logger';
import { asError, callContext } from './fault-boundary';
import type { MediaService } from './server';

/**
 * The process's last net for `uncaughtException` / `unhandledRejection`. Every call's code path
 * has its own boundary (the bridge's socket handler, the adapters' SDK sockets and callbacks);
 * what still escapes one is logged with the ids of the call whose code threw, and ends that
 * call only. A failure outside any call is logged, and every call goes on.
 */
export function catchEscapedFaults(service: Pick<MediaService, 'failCall'>, log: Logger): (error: unknown) => void {
  return (error) => {
    const ids = callContext.getStore();
    log.error('A failure escaped every boundary', { error: asError(error), ...ids });
    if (ids) service.failCall(ids.callbackId, asError(error));
  };
}
