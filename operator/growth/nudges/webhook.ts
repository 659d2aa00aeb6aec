import https from 'node:https';
import { checkEndpoint, type EndpointPolicy, guardedLookup } from '../../archive/endpoint-policy.ts';
import type { GrowthEvent } from '../events.ts';
import type { WebhookReceiver } from './config.ts';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signature, TIMESTAMP_HEADER } from './webhook-signature.ts';

/** How a delivery went; `status` is the receiver's HTTP status when it answered. */
export type PostResult = { ok: true; status?: number } | { ok: false; status?: number; error: string };

/**
 * Posts CloudEvents to one receiver, structured mode (`application/cloudevents+json`), over
 * HTTPS only, trusting the receiver's CA and connecting only to addresses the endpoint policy
 * allows (each address a name resolves to is checked when connecting). Any 2xx is delivered.
 */
export class WebhookSender {
  private readonly receiver: WebhookReceiver;
  private readonly policy: EndpointPolicy;
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;

  constructor(receiver: WebhookReceiver, policy: EndpointPolicy, timeoutMs: number) {
    this.receiver = receiver;
    this.policy = { ...policy, allowHttp: false };
    this.timeoutMs = timeoutMs;
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      ...(receiver.ca ? { ca: receiver.ca } : {}),
      lookup: guardedLookup(this.policy) as never,
    });
  }

  close(): void {
    this.agent.destroy();
  }

  post(event: GrowthEvent<unknown>, now: number): Promise<PostResult> {
    const refused = checkEndpoint(this.receiver.url, this.policy);
    if (refused) return Promise.resolve({ ok: false, error: refused });
    const body = JSON.stringify(event);
    const timestamp = Math.floor(now / 1000);
    return new Promise((resolve) => {
      const req = https.request(
        this.receiver.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            'content-type': 'application/cloudevents+json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'tenantry-nudges',
            [SIGNATURE_HEADER]: signature(this.receiver.secret, timestamp, body),
            [TIMESTAMP_HEADER]: String(timestamp),
            [IDEMPOTENCY_HEADER]: event.id,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            resolve(
              status >= 200 && status < 300
                ? { ok: true, status }
                : { ok: false, status, error: `HTTP ${status}` },
            );
          });
          res.on('error', (e) => resolve({ ok: false, status: res.statusCode ?? 0, error: e.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => resolve({ ok: false, error: e.message }));
      req.end(body);
    });
  }
}
