import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Config } from './config';
import type { Logger } from './logger';
import { listenFailure } from './listen-error';
import { metricsRegistry } from './metrics';

/**
 * Serves this process's metrics at GET /metrics on its own port, never on the API's public one:
 * bound to loopback by default (METRICS_HOST), and when METRICS_TOKEN is set every scrape must
 * send it as a bearer token. Resolves with the server, or undefined when METRICS_PORT is 0; rejects
 * (and so stops the process starting) when its address cannot be taken, e.g. the port is in use.
 */
export async function startMetricsServer(config: Pick<Config, 'metrics'>, logger: Logger): Promise<http.Server | undefined> {
  const { host, port, token } = config.metrics;
  if (port === 0) return undefined;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
      return;
    }
    metricsRegistry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': metricsRegistry.contentType }).end(body),
      (err: Error) => {
        logger.warn('metrics not collected', { error: err.message });
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(listenFailure('metrics server', host, port, err))));
    server.listen(port, host, () => resolve());
  });
  server.on('error', (err) => logger.warn('metrics server error', { error: err.message }));
  logger.info('metrics served', { url: `http://${host}:${port}/metrics`, auth: token ? 'bearer token' : 'none' });
  return server;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
