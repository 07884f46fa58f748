import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Config } from './config';

/** Loopback, private, link-local, CGNAT, unspecified and unique-local ranges: never a webhook destination outside `local`. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6');
}

export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => (pattern.startsWith('.') ? host.endsWith(pattern) && host.length > pattern.length : host === pattern));
}

type WebhookPolicy = Pick<Config, 'STAGE' | 'WEBHOOK_ALLOWED_HOSTS'>;

/**
 * Why a per-call webhookUrl may not be used, or undefined when it may: outside the local
 * stage it must be https, its host must be in WEBHOOK_ALLOWED_HOSTS, and it must not name
 * an internal address. The local stage also allows http and loopback (its own receiver).
 */
export function webhookUrlProblem(url: string, c: WebhookPolicy): string | undefined {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const local = c.STAGE === 'local';
  if (!local && parsed.protocol !== 'https:') return 'webhookUrl must be https';
  if (parsed.username || parsed.password) return 'webhookUrl must not carry credentials';
  if (c.WEBHOOK_ALLOWED_HOSTS === undefined) return local ? undefined : 'WEBHOOK_ALLOWED_HOSTS is not set, so no webhookUrl is allowed';
  if (!hostAllowed(host, c.WEBHOOK_ALLOWED_HOSTS)) return `the host ${host} is not in WEBHOOK_ALLOWED_HOSTS`;
  if (!local && isInternalAddress(host)) return 'webhookUrl names an internal address';
  return undefined;
}

/**
 * Checked again just before each delivery: the host's DNS answer must not point inside
 * (a name that resolved outside at initiate may not resolve inside later).
 */
export async function resolvesOutside(url: string, c: WebhookPolicy): Promise<boolean> {
  if (c.STAGE === 'local') return true;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  return addresses.every(({ address }) => !isInternalAddress(address));
}
