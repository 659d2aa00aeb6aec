import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeOptions {
  /** PEM CA bundle that the server certificate must chain to. */
  ca?: string;
  /** Accept any server certificate: for components serving a self-signed health endpoint. */
  insecure?: boolean;
  token?: string;
  timeoutMs?: number;
}

export interface ProbeResult {
  status: number;
  body: string;
}

/** A single GET with a short timeout, for health endpoints. */
export function probe(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const callback = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(
            target,
            {
              headers,
              ...(opts.ca === undefined ? {} : { ca: opts.ca }),
              rejectUnauthorized: !opts.insecure,
              agent: false,
            },
            callback,
          )
        : httpRequest(target, { headers, agent: false }, callback);
    req.setTimeout(opts.timeoutMs ?? 2000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Resolves true when the endpoint answers 200, false otherwise (including connection errors). */
export async function isHealthy(url: string, opts: ProbeOptions = {}): Promise<boolean> {
  try {
    return (await probe(url, opts)).status === 200;
  } catch {
    return false;
  }
}
