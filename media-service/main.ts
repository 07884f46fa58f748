import { config } from '../shared/config';
import { logger } from '../shared/logger';
import { startMediaService } from './server';

/** The container's entry point: serve streams until SIGTERM, then drain and exit. */
const c = config();
const service = await startMediaService({ port: c.MEDIA_PORT, host: '0.0.0.0' });
service.attach(c);
logger.info('Media service listening', { port: c.MEDIA_PORT, mediaUrl: c.MEDIA_URL });

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info('Shutting down', { signal, activeCalls: service.activeCalls() });
  await service.drain(c.DRAIN_TIMEOUT_SECONDS * 1000);
  await service.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('unhandledRejection', (error) => logger.error('Unhandled rejection', { error }));
