import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature of a generic webhook: `t=<unix seconds>,v1=<hex>`. */
export const signatureHeader = 'churn-signature';
/** The header carrying the delivery id: the same on every retry of one delivery. */
export const deliveryIdHeader = 'churn-delivery-id';
/** The header naming the event (`escalation.created`, `integration.test`). */
export const eventHeader = 'churn-event';

/** A new signing secret: `whsec_` and 32 random bytes in base64url. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** HMAC-SHA256 of `${timestamp}.${body}` under `secret`, in hex. */
export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The `churn-signature` header value for `body` sent at `timestamp` (unix seconds). */
export function signatureHeaderValue(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

/**
 * Verifies a `churn-signature` header the way a receiver should: parses `t` and every
 * `v1`, refuses a timestamp further than `toleranceSeconds` from `now`, and compares in
 * constant time. The same code is in docs/operations.md for receivers.
 */
export function verifySignature(options: {
  secret: string;
  header: string | null | undefined;
  body: string;
  toleranceSeconds?: number;
  now?: Date;
}): boolean {
  if (!options.header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of options.header.split(',')) {
    const [key, value] = part.split('=', 2).map((text) => text.trim());
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(computeSignature(options.secret, timestamp, options.body), 'hex');
  return signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
