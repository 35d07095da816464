import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/**
 * Stands in for the metadata providers: `/openlibrary/...`, `/googlebooks/...`, `/omdb/...`... are mapped back
 * to the real URL, escaped the way the recordings are named, and answered from the recording.
 * Tests can script a path (429s, delays, broken JSON) and read which URLs were asked.
 */
const REAL_BASES: Record<string, string> = {
  openlibrary: 'https://openlibrary.org',
  googlebooks: 'https://www.googleapis.com/books/v1',
  omdb: 'https://www.omdbapi.com',
  tmdb: 'https://api.themoviedb.org/3',
  tvdb: 'https://api4.thetvdb.com/v4',
};
const RECORDINGS = path.resolve(__dirname, '../../jobs/enrich/fixtures/recordings');

export type Script = (req: http.IncomingMessage, res: http.ServerResponse, count: number) => boolean;

export interface ReplayServer {
  baseUrl(provider: 'openlibrary' | 'googlebooks' | 'omdb' | 'tmdb' | 'tvdb'): string;
  /** Real URLs asked for, in order. */
  requests: string[];
  /** Handles requests whose real URL contains `fragment` while `script` returns true. */
  script(fragment: string, script: Script): void;
  close(): Promise<void>;
}

export const recordingName = (url: string) => `${url.replace(/[^A-Za-z0-9]/g, '_')}.json`;

export async function startReplayServer(): Promise<ReplayServer> {
  const requests: string[] = [];
  const scripts: { fragment: string; script: Script; count: number }[] = [];
  const server = http.createServer((req, res) => {
    const [, provider, ...rest] = (req.url ?? '').split('/');
    const realUrl = decodeURIComponent(`${REAL_BASES[provider] ?? ''}/${rest.join('/')}`);
    requests.push(realUrl);
    for (const entry of scripts) {
      if (realUrl.includes(entry.fragment) && entry.script(req, res, ++entry.count)) return;
    }
    const file = path.join(RECORDINGS, recordingName(realUrl));
    if (!REAL_BASES[provider] || !fs.existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `not recorded: ${realUrl}` }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(fs.readFileSync(file));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: (provider) => `http://127.0.0.1:${port}/${provider}`,
    requests,
    script: (fragment, script) => scripts.push({ fragment, script, count: 0 }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
