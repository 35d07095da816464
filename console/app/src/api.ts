/** The API's error shape: {"error":{"code","message","details"?,"requestId"}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { fields?: { field: string; message: string }[] } & Record<string, unknown>,
  ) {
    super(message);
  }

  /**
   * The message about one field (for showing it next to that field), if the API named it: the
   * field itself, a nested one ending in it (`options.title`), or an item of it (`limits.volumeSizesMb.2`).
   */
  about(field: string): string | undefined {
    return this.details?.fields?.find((f) => f.field === field || f.field.endsWith(`.${field}`) || f.field.startsWith(`${field}.`))?.message;
  }
}

/** Fired when the session has ended (401): the app goes back to the login page. */
export const SESSION_ENDED = 'esp:session-ended';

async function failure(res: Response): Promise<ApiError> {
  const body = await res.json().catch(() => undefined);
  const error = body?.error;
  if (res.status === 401) window.dispatchEvent(new Event(SESSION_ENDED));
  return new ApiError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `${res.status} ${res.statusText}`, error?.details);
}

/** A JSON call with the session cookie; throws ApiError on a non-2xx answer. */
export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`/api${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await failure(res);
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, signal);

export interface UploadProgress {
  loaded: number;
  total: number;
  /** Bytes per second over the upload so far. */
  speed: number;
  /** Seconds left at that speed. */
  eta: number;
}

/** A multipart upload by XHR (fetch cannot report upload progress), cancellable. */
export function uploadFile(path: string, field: string, file: File, onProgress: (p: UploadProgress) => void): { done: Promise<unknown>; cancel: () => void } {
  const xhr = new XMLHttpRequest();
  const started = performance.now();
  const done = new Promise<unknown>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      const seconds = Math.max((performance.now() - started) / 1000, 0.001);
      const speed = e.loaded / seconds;
      onProgress({ loaded: e.loaded, total: e.total, speed, eta: speed > 0 ? (e.total - e.loaded) / speed : Infinity });
    };
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText);
        } catch {
          return undefined;
        }
      })();
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body?.error?.code ?? 'HTTP_ERROR', body?.error?.message ?? `Upload failed (${xhr.status})`, body?.error?.details));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload was interrupted'));
    xhr.onabort = () => reject(new ApiError(0, 'CANCELLED', 'Cancelled'));
  });
  const form = new FormData();
  form.append(field, file, file.name);
  xhr.open('POST', `/api${path}`);
  xhr.send(form);
  return { done, cancel: () => xhr.abort() };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
