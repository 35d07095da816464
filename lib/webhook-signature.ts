import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signing of the generic JSON webhook: `X-ESP-Signature: t=<unix seconds>,v1=<hex>` where hex is
 * HMAC-SHA256(secret, `${t}.${body}`) over the exact body bytes. A receiver recomputes it with the
 * shared secret and refuses a timestamp outside its replay window, so a captured request cannot
 * be sent again later (within the window, dedupe on the event's release id and event name).
 */
export const SIGNATURE_HEADER = 'X-ESP-Signature';
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;

export function signWebhook(secret: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${nowSeconds},v1=${hmacHex(secret, nowSeconds, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'expired' | 'mismatch' };

/** What a receiver runs on the raw body and the header (Node's crypto only; copy it freely). */
export function verifyWebhook(secret: string, body: string, header: string | undefined, options: { windowSeconds?: number; nowSeconds?: number } = {}): SignatureCheck {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const timestamp = /^\d{1,12}$/.test(parts.t ?? '') ? Number(parts.t) : NaN;
  if (!Number.isFinite(timestamp) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return { ok: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.windowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS)) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex')) ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
