import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { servingTls } from '../../devcluster/serving-tls.ts';
import type { GrowthEvent } from '../../operator/growth/events.ts';
import type { NudgeNotice } from '../../operator/growth/nudges/records.ts';
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from '../../operator/growth/nudges/webhook-signature.ts';

/** One request the receiver got, whether it accepted it or not. */
export interface ReceivedRequest {
  at: number;
  event: GrowthEvent<NudgeNotice>;
  idempotencyKey: string | undefined;
  contentType: string | undefined;
  /** Why the signature did not verify; undefined when it did. */
  badSignature: string | undefined;
  /** The status it answered with. */
  status: number;
}

export interface WebhookReceiver {
  /** `https://127.0.0.1:PORT/nudges`. */
  url: string;
  /** The CA that signed its certificate, for the operator to trust. */
  ca: string;
  requests: ReceivedRequest[];
  /** Event ids accepted (2xx), once each: what a receiver that drops duplicates keeps. */
  accepted(): Map<string, GrowthEvent<NudgeNotice>>;
  close(): Promise<void>;
}

/**
 * A webhook receiver as a platform would run one: HTTPS on loopback with a certificate of its
 * own CA, checking each delivery's HMAC signature and timestamp (refusing bad ones with 401),
 * and keeping every request. `answer` decides the status of a well-signed request (default
 * 204), e.g. to fail first attempts; `delayMs` slows answers down.
 */
export async function startWebhookReceiver(opts: {
  secret: string;
  answer?: (event: GrowthEvent<NudgeNotice>, earlier: readonly ReceivedRequest[]) => number;
  delayMs?: () => number;
}): Promise<WebhookReceiver> {
  const tls = await servingTls({ commonName: 'tenantry-test-webhooks' });
  const requests: ReceivedRequest[] = [];
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const badSignature = verifySignature({
        secret: opts.secret,
        body,
        signature: header(SIGNATURE_HEADER),
        timestamp: header(TIMESTAMP_HEADER),
        now: Date.now(),
      });
      const event = JSON.parse(body) as GrowthEvent<NudgeNotice>;
      const earlier = requests.filter((r) => r.event.id === event.id);
      const status = badSignature ? 401 : (opts.answer?.(event, earlier) ?? 204);
      requests.push({
        at: Date.now(),
        event,
        idempotencyKey: header(IDEMPOTENCY_HEADER),
        contentType: header('content-type'),
        badSignature,
        status,
      });
      setTimeout(() => res.writeHead(status).end(), opts.delayMs?.() ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/nudges`,
    ca: tls.ca,
    requests,
    accepted() {
      const byId = new Map<string, GrowthEvent<NudgeNotice>>();
      for (const r of requests) if (r.status < 300 && !byId.has(r.event.id)) byId.set(r.event.id, r.event);
      return byId;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
