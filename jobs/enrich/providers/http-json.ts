import { providerErrors, providerLatency, providerRequests } from '../../../lib/metrics';
import { ProviderError } from './provider-error';
import type { RateLimiter } from './rate-limiter';

export const USER_AGENT = 'eBookScenePacker/2.0 (+https://github.com/ebook-scene-packer)';
const MAX_RETRY_AFTER_MS = 30_000;

export interface HttpJsonOptions {
  provider: string;
  timeoutMs: number;
  retries: number;
  limiter: RateLimiter;
  headers?: Record<string, string>;
  /** A JSON body makes the request a POST. */
  body?: unknown;
}

/**
 * GET (or, with a body, POST) for a JSON document: rate-limited, with a timeout per attempt, and retries with exponential
 * backoff on 429 and 5xx that honour Retry-After. 404 is an answer (undefined), not an error.
 */
export async function getJson<T>(url: string, options: HttpJsonOptions): Promise<T | undefined> {
  const provider = options.provider;
  const stopTimer = providerLatency.startTimer({ provider });
  try {
    const answer = await requestJson<T>(url, options);
    providerRequests.inc({ provider, outcome: answer === undefined ? 'not_found' : 'ok' });
    return answer;
  } catch (err) {
    providerRequests.inc({ provider, outcome: 'error' });
    providerErrors.inc({ provider, kind: err instanceof ProviderError ? err.kind : 'other' });
    throw err;
  } finally {
    stopTimer();
  }
}

async function requestJson<T>(url: string, options: HttpJsonOptions): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    await options.limiter.acquire(options.provider);
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.body === undefined ? 'GET' : 'POST',
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headers: {
          'User-Agent': USER_AGENT,
          Accept: 'application/json',
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      if (attempt < options.retries) {
        await sleep(backoffMs(attempt));
        continue;
      }
      throw new ProviderError(options.provider, timedOut ? 'timeout' : 'network', timedOut ? `no answer within ${options.timeoutMs} ms` : 'unreachable');
    }
    if (response.status === 404) return undefined;
    if ((response.status === 429 || response.status >= 500) && attempt < options.retries) {
      await response.body?.cancel();
      await sleep(retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt));
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ProviderError(options.provider, 'http', `HTTP ${response.status}`);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ProviderError(options.provider, 'malformed', 'the answer is not valid JSON');
    }
  }
}

function backoffMs(attempt: number): number {
  return Math.min(200 * 2 ** attempt, 5000);
}

/** Retry-After in seconds or as an HTTP date; capped so one provider cannot stall a job. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
