import path from 'node:path';
import type { Config } from './config';

/**
 * The one line each process logs at start-up: which mode it runs in, what it exposes and where
 * its keys come from, e.g. "development mode, API on http://127.0.0.1:5000 (loopback only),
 * secrets from data/secrets.json". No secret or password ever appears in it.
 */
export function startupLine(config: Config, exposes: string): string {
  return `${config.env} mode, ${exposes}, secrets from ${secretsOrigin(config)}`;
}

/** "API on http://host:port (reach)", the reach named so a wide-open bind is never silent. */
export function apiExposure(config: Config): string {
  return `API on ${httpUrl(config.http.host, config.http.port)} (${reach(config.http.host)})`;
}

/** What a worker or the scheduler touches: no port of its own, only Redis (shown without credentials). */
export function redisExposure(config: Config, what: string): string {
  const url = new URL(config.redis.url);
  return `${what}, no listening port, Redis at ${url.hostname}:${url.port || '6379'}`;
}

export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function reach(host: string): string {
  if (['127.0.0.1', 'localhost', '::1'].includes(host) || host.startsWith('127.')) return 'loopback only';
  if (['0.0.0.0', '::', ''].includes(host)) return 'open to every network interface: put it behind a firewall or a proxy';
  return `interface ${host} only`;
}

function secretsOrigin(config: Config): string {
  return config.secrets.origin === 'environment' ? 'the environment' : shownPath(config.secrets.origin);
}

/** A path as a user at the terminal would type it: relative when it is inside the working folder. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}
