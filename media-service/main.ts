import { config, requireSecrets } from '../shared/config';
import { logger } from '../shared/logger';
import { catchEscapedFaults } from './last-net';
import { bridgeMetrics } from './metrics';
import { providerFactory } from './providers';
import { startMediaService } from './server';
import { publishMetricsPeriodically } from './telemetry';

/** The container's entry point: serve streams until SIGTERM, then drain and exit. */
const c = config();
requireSecrets(c, ['TWILIO_AUTH_TOKEN']);
const service = await startMediaService({ port: c.MEDIA_PORT, host: '0.0.0.0' });
service.attach(c, { providerFactory });
logger.info('Media service listening', { port: c.MEDIA_PORT, mediaUrl: c.MEDIA_URL });
// CloudWatch metrics (EMF) only where they are collected: in the ECS task.
if (process.env.ECS_CONTAINER_METADATA_URI_V4) publishMetricsPeriodically(() => service.activeCalls());

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
const lastNet = catchEscapedFaults(service, logger);
process.on('uncaughtException', lastNet);
process.on('unhandledRejection', lastNet);

// When started by the benchmark (with an IPC channel), report in-process latency on request.
if (process.send) {
  process.on('message', (message) => {
    if (message === 'stats') process.send!({ ...bridgeMetrics.snapshot(), activeCalls: service.activeCalls(), cpu: process.cpuUsage(), rss: process.memoryUsage.rss() });
    if (message === 'reset-stats') bridgeMetrics.reset();
  });
  process.send('ready');
}
