import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What every console answer carries: no framing, no sniffing, no referrer leaving the site, and
 * a Content-Security-Policy that lets the page run only the console's own script files (no
 * inline script, no eval, nothing from elsewhere), so escaped text could not run even if some
 * escaping were missed.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Pages and downloads with data: never kept by a browser or a proxy. */
export const NO_STORE = { 'Cache-Control': 'no-store' };

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!(name in out)) out[name] = part.slice(i + 1).trim();
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
  maxAgeSeconds?: number;
  path?: string;
}

/** A Set-Cookie value: always HttpOnly, Secure when served over TLS. */
export function cookie(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${o.path ?? '/'}`,
    'HttpOnly',
    `SameSite=${o.sameSite}`,
    ...(o.secure ? ['Secure'] : []),
    ...(o.maxAgeSeconds !== undefined ? [`Max-Age=${o.maxAgeSeconds}`] : []),
  ].join('; ');
}

export class BodyTooLarge extends Error {}

/** A urlencoded form body, at most `max` bytes (a bigger one is refused, not truncated). */
export async function readForm(req: IncomingMessage, max = 16 * 1024): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new BodyTooLarge(`the form is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  // Pages carry data and the session's CSRF token: nothing is cached unless a caller says so.
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...NO_STORE,
    'Content-Type': 'text/html; charset=utf-8',
    ...headers,
  });
  res.end(body);
}

export function redirect(res: ServerResponse, to: string, headers: Record<string, string | string[]> = {}) {
  res.writeHead(303, { ...SECURITY_HEADERS, ...NO_STORE, Location: to, ...headers });
  res.end();
}
