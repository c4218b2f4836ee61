import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from './v1/payment-error.js';

/** Stripe's default: a delivery signed more than 5 minutes away from now is refused (replays). */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, payload: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest('hex');
}

/**
 * Signs a webhook payload the way Stripe does: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<payload>" keyed by the endpoint secret>`. The sandbox and the Stripe emulator sign
 * with it; tests use it to build deliveries.
 */
export function signWebhookPayload(options: {
  payload: string | Uint8Array;
  secret: string;
  /** Unix seconds. */
  timestamp: number;
}): string {
  return `t=${options.timestamp},v1=${hmacHex(options.secret, options.timestamp, options.payload)}`;
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]+$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined) return undefined;
  return { timestamp, signatures };
}

function equalInConstantTime(left: string, right: string): boolean {
  const leftBytes = Buffer.from(left, 'utf8');
  const rightBytes = Buffer.from(right, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time constant.
  if (leftBytes.length !== rightBytes.length) {
    timingSafeEqual(leftBytes, leftBytes);
    return false;
  }
  return timingSafeEqual(leftBytes, rightBytes);
}

/**
 * Verifies a `Stripe-Signature`-style header against the raw payload, like stripe-node's
 * `constructEvent`: any `v1` signature made with any of the secrets (several during a
 * rotation) must match, compared in constant time, and the timestamp must be within
 * `toleranceSeconds` of `now` (either way, so a replay of an old delivery and a clock far
 * ahead both fail). `now` is a parameter so tests and replays can pin it.
 *
 * @returns the signed timestamp (unix seconds).
 * @throws {WebhookSignatureError} (code `unauthorized`) saying which check failed and what to check.
 */
export function verifyWebhookSignature(options: {
  payload: string | Uint8Array;
  header: string | null | undefined;
  secret: string | readonly string[];
  now: Date;
  toleranceSeconds?: number;
}): { timestamp: number } {
  const secrets = (typeof options.secret === 'string' ? [options.secret] : options.secret).filter(
    (secret) => secret.length > 0,
  );
  if (secrets.length === 0) {
    throw new WebhookSignatureError(
      'missing-secret',
      'No webhook signing secret is configured: set webhookSecret to the endpoint secret (whsec_...) shown for the endpoint in the Stripe Dashboard.',
    );
  }
  if (options.header === null || options.header === undefined || options.header.trim() === '') {
    throw new WebhookSignatureError(
      'missing-header',
      'The webhook request has no Stripe-Signature header: only Stripe (or the emulator) can call this endpoint.',
    );
  }
  const parsed = parseHeader(options.header);
  if (parsed === undefined || parsed.signatures.length === 0) {
    throw new WebhookSignatureError(
      'malformed-header',
      'The Stripe-Signature header is not of the form t=<timestamp>,v1=<signature>: pass the header exactly as received.',
    );
  }
  const matched = secrets.some((secret) => {
    const expected = hmacHex(secret, parsed.timestamp, options.payload);
    return parsed.signatures.some((signature) => equalInConstantTime(signature, expected));
  });
  if (!matched) {
    throw new WebhookSignatureError(
      'no-matching-signature',
      'The webhook signature does not match the payload: check that webhookSecret is the secret of this endpoint (whsec_...), and pass the raw request body, not parsed and re-serialised JSON.',
    );
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const ageSeconds = Math.floor(options.now.getTime() / 1000) - parsed.timestamp;
  if (tolerance > 0 && Math.abs(ageSeconds) > tolerance) {
    throw new WebhookSignatureError(
      'timestamp-outside-tolerance',
      `The webhook was signed ${Math.abs(ageSeconds)} s ${ageSeconds >= 0 ? 'ago' : 'in the future'}, beyond the ${tolerance} s tolerance: it may be a replay; otherwise check the server clock.`,
    );
  }
  return { timestamp: parsed.timestamp };
}
