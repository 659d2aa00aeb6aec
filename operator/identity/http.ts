import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { getCACertificates } from 'node:tls';

/** A response read in full; redirects are returned, never followed. */
export interface HttpResponse {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Extra CA certificates (PEM) to trust besides the default ones. */
  ca?: string | undefined;
  /** Aborts the request; its reason tells a timeout from other aborts. */
  signal: AbortSignal;
  /** Bodies above this are refused (discovery docs and JWKS are a few KiB). */
  maxBytes?: number;
}

/** Why a request got no HTTP response. */
export type TransportErrorKind =
  | 'insecure'
  | 'invalidUrl'
  | 'tls'
  | 'refused'
  | 'dns'
  | 'network'
  | 'timeout'
  | 'protocol';

export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  readonly code: string | undefined;
  constructor(kind: TransportErrorKind, message: string, code?: string) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
    this.code = code;
  }
}

const DEFAULT_MAX_BYTES = 1 << 20;

/**
 * One HTTPS request with Node's https module rather than fetch: fetch can't be given extra CA
 * certificates without undici's Agent, which isn't a dependency. Plain http:// is refused,
 * because identity endpoints must be authenticated by TLS.
 */
export function httpsRequest(url: string, req: HttpRequest): Promise<HttpResponse> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new TransportError('invalidUrl', `'${url}' is not a valid URL`));
  }
  if (target.protocol !== 'https:') {
    return Promise.reject(new TransportError('insecure', `${url} is not an https:// URL`));
  }
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = request(
      target,
      {
        method: req.method ?? 'GET',
        headers: {
          'user-agent': 'tenantry-identity-check',
          ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
          ...req.headers,
        },
        // An extra CA is added to the default set (system and bundled roots), not put in its place.
        ...(req.ca ? { ca: [...getCACertificates('default'), req.ca] } : {}),
        // A fresh connection per request: checks are rare and a pooled socket would outlive them.
        agent: false,
        signal: req.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy(
              new TransportError('protocol', `response from ${target.host} exceeds ${maxBytes} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => reject(classify(err, target, req.signal)));
        res.on('end', () =>
          resolve({
            url: target.href,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    r.on('error', (err) => reject(classify(err, target, req.signal)));
    r.end(req.body);
  });
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** Maps a Node socket/TLS error to a kind the checks can explain. */
export function classify(err: unknown, target: URL, signal?: AbortSignal): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const host = target.host;
  if (signal?.aborted || e?.name === 'AbortError') {
    if (signal?.reason instanceof TransportError) return signal.reason;
    const reason = signal?.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError'
      ? new TransportError('timeout', `no answer from ${host} in time`, 'ETIMEDOUT')
      : new TransportError('timeout', `request to ${host} was aborted`, code);
  }
  if (code && (TLS_CODES.has(code) || /^(ERR_SSL_|ERR_TLS_|CERT_)/.test(code))) {
    // Node appends advice about its own flags after a ';', which means nothing to a Tenant's reader.
    const reason = (e.message ?? '').split(';')[0]?.trim() || code;
    return new TransportError('tls', `TLS with ${host} failed: ${reason} (${code})`, code);
  }
  if (code === 'ECONNREFUSED') return new TransportError('refused', `connection to ${host} refused`, code);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new TransportError('dns', `the name ${target.hostname} does not resolve (${code})`, code);
  }
  if (code?.startsWith('HPE_')) {
    return new TransportError('protocol', `${host} sent a malformed HTTP response (${code})`, code);
  }
  return new TransportError(
    'network',
    `request to ${host} failed: ${e?.message ?? String(err)}${code ? ` (${code})` : ''}`,
    code,
  );
}

/** The fix for a request that got no response, independent of the IdP. */
export function transportFix(err: TransportError): string {
  switch (err.kind) {
    case 'insecure':
      return 'Use the https:// URL of the identity provider; OpenID Connect endpoints must be served over TLS';
    case 'invalidUrl':
      return 'Correct the URL in spec.identity';
    case 'tls':
      return tlsFix(err.code);
    case 'refused':
    case 'network':
      return 'Check that the identity provider is running and reachable from the operator (host, port, firewall, egress NetworkPolicy, proxy)';
    case 'dns':
      return "Check the host name in the URL and that the operator's DNS can resolve it";
    case 'timeout':
      return "The identity provider did not answer in time: check egress from the operator (firewall, proxy) and the provider's health";
    case 'protocol':
      return 'The URL does not serve an HTTPS identity endpoint; check host and port';
  }
}

function tlsFix(code: string | undefined): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return "The identity provider's TLS certificate has expired: renew it";
    case 'CERT_NOT_YET_VALID':
      return "The identity provider's certificate is not valid yet: check the clocks of the operator's node and the provider (NTP)";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return 'The certificate does not name this host: use the host name the certificate was issued for, or reissue it with that name in its subjectAltName';
    case 'EPROTO':
      return 'The port does not speak TLS (perhaps plain HTTP): use the HTTPS port of the identity provider';
    default:
      return "The identity provider's certificate is not trusted: if it comes from a private CA, give the operator that CA (tenantry run --identity-ca-file); otherwise make the provider serve its full chain from a public CA";
  }
}
