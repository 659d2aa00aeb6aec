import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How webhook receivers know a nudge comes from this operator and is not a replay: an
 * HMAC-SHA256 with the receiver's secret over `<timestamp>.<body>` (the exact bytes sent), in
 * `X-Tenantry-Signature: sha256=<hex>`, and the Unix time in `X-Tenantry-Timestamp`. A receiver
 * recomputes the HMAC, compares in constant time and refuses timestamps too far from its clock;
 * within that window it drops repeats by the CloudEvent id (also in `Idempotency-Key`).
 */
export const SIGNATURE_HEADER = 'x-tenantry-signature';
export const TIMESTAMP_HEADER = 'x-tenantry-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** How far a timestamp may be from the receiver's clock by default. */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why a delivery does not verify, or undefined when it does. */
export function verifySignature(opts: {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
  toleranceMs?: number;
}): string | undefined {
  const ts = Number(opts.timestamp);
  if (!opts.timestamp || !Number.isInteger(ts)) return `missing or malformed ${TIMESTAMP_HEADER}`;
  if (Math.abs(opts.now - ts * 1000) > (opts.toleranceMs ?? DEFAULT_TOLERANCE_MS)) {
    return `${TIMESTAMP_HEADER} ${ts} is too far from now (a replay?)`;
  }
  const expected = Buffer.from(signature(opts.secret, ts, opts.body));
  const given = Buffer.from(opts.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return `${SIGNATURE_HEADER} does not match the body`;
  }
  return undefined;
}
