import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export interface ProbeResult {
  ok: boolean;
  message?: string;
}

/** The probe's settings with the kubelet's defaults. */
export function probeTiming(p: V1Probe): {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
} {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
  };
}

function portOf(port: number | string | undefined, c: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

/** One probe, as the kubelet runs it from the node: HTTP 200-399 or an accepted TCP connection. */
export function probeOnce(p: V1Probe, c: V1Container, podIp: string): Promise<ProbeResult> {
  const { timeoutMs } = probeTiming(p);
  if (p.httpGet) {
    const g = p.httpGet;
    const port = portOf(g.port as number | string, c);
    if (port === undefined)
      return Promise.resolve({ ok: false, message: `no container port named ${g.port}` });
    const https = g.scheme === 'HTTPS';
    return new Promise((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        {
          host: g.host || podIp,
          port,
          path: g.path ?? '/',
          method: 'GET',
          timeout: timeoutMs,
          headers: Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value])),
          // The kubelet does not verify probe certificates either.
          ...(https ? { rejectUnauthorized: false } : {}),
        },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(
            code >= 200 && code < 400
              ? { ok: true }
              : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (e) => resolve({ ok: false, message: `Get ${g.path ?? '/'}: ${e.message}` }));
      req.end();
    });
  }
  if (p.tcpSocket) {
    const port = portOf(p.tcpSocket.port as number | string, c);
    if (port === undefined)
      return Promise.resolve({ ok: false, message: `no container port named ${p.tcpSocket.port}` });
    return new Promise((resolve) => {
      const s = connect({ host: p.tcpSocket?.host || podIp, port, timeout: timeoutMs });
      s.on('connect', () => {
        s.destroy();
        resolve({ ok: true });
      });
      s.on('timeout', () => s.destroy(new Error('timed out')));
      s.on('error', (e) => resolve({ ok: false, message: e.message }));
    });
  }
  return Promise.resolve({ ok: false, message: 'only httpGet and tcpSocket probes run on this node' });
}
