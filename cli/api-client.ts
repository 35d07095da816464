import { CliConfig, writeConfig } from './config-store';

/** An error answer of the API: its code, message and request id, as the API sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; requestId?: string; details?: unknown };
}

/** Turns a non-2xx answer into an ApiError (the API's shape, or what the server said otherwise). */
export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: ErrorBody = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    // Not our API (a proxy's page, say): report its status and the start of its text.
  }
  const requestId = body.error?.requestId ?? res.headers.get('x-request-id') ?? undefined;
  return new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? (text.slice(0, 200) || res.statusText), requestId, body.error?.details);
}

/**
 * The API at the configured URL with the stored token; an expired access token is renewed once
 * with the stored refresh token (and the config saved) before the call is repeated.
 */
export class ApiClient {
  constructor(
    private config: CliConfig,
    private readonly persist = true,
  ) {}

  get baseUrl(): string {
    return this.config.url.replace(/\/+$/, '');
  }

  authHeader(): Record<string, string> {
    return { Authorization: `Bearer ${this.config.accessToken}` };
  }

  /** A raw authenticated request (downloads read the body themselves). */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const send = () => fetch(`${this.baseUrl}${path}`, { ...init, headers: { ...this.authHeader(), ...(init.headers as Record<string, string>) } });
    let res = await send();
    if (res.status === 401 && this.config.refreshToken && (await this.refresh())) res = await send();
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  /** Every item of a paginated list. */
  async all<T>(path: string, key: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const answer = await this.get<Record<string, unknown> & { pagination: { pages: number } }>(`${path}${sep}page=${page}&pageSize=100`);
      items.push(...(answer[key] as T[]));
      if (page >= answer.pagination.pages) return items;
    }
  }

  private async refresh(): Promise<boolean> {
    const res = await fetch(`${this.baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: this.config.refreshToken }),
    });
    if (!res.ok) return false;
    const tokens = (await res.json()) as { accessToken: string; refreshToken: string };
    this.config = { ...this.config, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    if (this.persist) writeConfig(this.config);
    return true;
  }
}

/** POST /api/auth/login: the tokens to store. */
export async function login(url: string, email: string, password: string): Promise<CliConfig> {
  const base = url.replace(/\/+$/, '');
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!res.ok) throw await errorOf(res);
  const body = (await res.json()) as { accessToken: string; refreshToken: string };
  return { url: base, email, accessToken: body.accessToken, refreshToken: body.refreshToken };
}
