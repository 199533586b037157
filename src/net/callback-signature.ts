/**
 * Signed callbacks: the server sends `X-Letta-Signature: t=<unix seconds>,v1=<hex>` where `v1` is
 * HMAC-SHA256 over `<t>.<raw body>` with the organization's callback secret. A receiver recomputes
 * it over the bytes it received, compares in constant time and rejects old timestamps (replay).
 *
 * @example
 * const header = signCallback(secret, body);              // 't=1767225600,v1=5f3c…'
 * verifyCallback(secret, body, header, { toleranceS: 300 }); // true
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-letta-signature';

/** A new secret: `whsec_` and 32 random bytes, base64url. */
export function newCallbackSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signCallback(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

/** Checks a signature header (as a receiver would): right HMAC and a timestamp within tolerance. */
export function verifyCallback(
  secret: string,
  body: string,
  header: string | null | undefined,
  options: { toleranceS?: number; now?: number } = {},
): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceS ?? 300)) return false;
  return timingSafeEqual(Buffer.from(m[2]!, 'hex'), Buffer.from(hmac(secret, t, body), 'hex'));
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}
