import { timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import { Counter, type Registry } from 'prom-client';
import type { EventRecorder } from '../runtime/events.ts';
import type { Logger } from '../runtime/log.ts';
import { type Listening, listen } from '../runtime/server.ts';
import { type AuditEvent, type Denial, DenialThrottle, denialsOf, describeDenial } from './denials.ts';

const MAX_BODY = 16 * 1024 * 1024;

/** Kinds for the resources Tenantry's policies judge, for the Events' involvedObject. */
const KINDS: Record<string, { kind: string; apiVersion: string }> = {
  addons: { kind: 'AddOn', apiVersion: 'tenantry.dev/v1alpha1' },
  pods: { kind: 'Pod', apiVersion: 'v1' },
  nodes: { kind: 'Node', apiVersion: 'v1' },
};

export type DenialReceiver = Listening;

/**
 * Serves an audit webhook backend (`POST /audit`, an audit.k8s.io/v1 EventList) for the API
 * server's `--audit-webhook-config-file`, over TLS, authenticated by a bearer token. Each denial by a
 * Tenantry policy becomes a Warning Event `AdmissionDenied` in the request's namespace (the
 * default namespace for cluster-scoped objects) and counts in
 * `tenantry_admission_denials_total{policy}`. Other audit events are ignored.
 */
export function startDenialReceiver(opts: {
  port: number;
  host?: string;
  token: string;
  /** Serving certificate and key (PEM): the API server sends its token over TLS only. */
  tls: { cert: string; key: string };
  recorder: EventRecorder;
  registry: Registry;
  log: Logger;
  now?: () => number;
}): Promise<DenialReceiver> {
  const denials = new Counter({
    name: 'tenantry_admission_denials_total',
    help: "Requests refused by Tenantry's admission policies, from the API server's audit events",
    labelNames: ['policy'],
    registers: [opts.registry],
  });
  const expected = Buffer.from(`Bearer ${opts.token}`);
  const authorized = (header: string | undefined) => {
    const got = Buffer.from(header ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const throttle = new DenialThrottle(opts.now ?? Date.now);
  const record = (d: Denial) => {
    denials.inc({ policy: d.policy });
    const more = throttle.admit(d);
    if (more === undefined) return;
    const ref = KINDS[d.resource.split('/')[0] ?? ''] ?? { kind: d.resource, apiVersion: d.apiGroup || 'v1' };
    opts.recorder.event(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: d.name ?? d.resource, ...(d.namespace ? { namespace: d.namespace } : {}) },
      },
      'Warning',
      'AdmissionDenied',
      more > 0
        ? `${describeDenial(d)} (and ${more} similar refusals since the last Event)`
        : describeDenial(d),
    );
  };
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => {
    const reply = (code: number, body = '') => {
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(body);
    };
    if ((req.url ?? '').split('?')[0] !== '/audit') return reply(404, 'not found');
    if (req.method !== 'POST') return reply(405, 'POST only');
    if (!authorized(req.headers.authorization)) return reply(401, 'unauthorized');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reply(413, 'too large');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let items: AuditEvent[];
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: AuditEvent[] };
        items = Array.isArray(body.items) ? body.items : [];
      } catch {
        return reply(400, 'not an audit EventList');
      }
      const found = denialsOf(items);
      for (const d of found) record(d);
      if (found.length) opts.log.info({ denials: found.length }, 'recorded admission denials');
      reply(200);
    });
  });
  return listen(server, opts.port, opts.host, (port) =>
    opts.log.info({ port }, 'receiving audit events for admission denials on /audit'),
  );
}
