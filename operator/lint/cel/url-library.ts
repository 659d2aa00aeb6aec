// Kubernetes' CEL URL library: isURL, url() and the parts of a URL. An absolute URI or an
// absolute path is a URL, as for Go's url.ParseRequestURI.

import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './library-support.ts';

/** A parsed URL; a bare absolute path has no scheme or host. */
export class ParsedURL {
  readonly url: URL;
  readonly pathOnly: boolean;

  constructor(url: URL, pathOnly: boolean) {
    this.url = url;
    this.pathOnly = pathOnly;
  }
}

export function parseURL(text: string): ParsedURL | undefined {
  // Go refuses control characters and spaces where WHATWG URL would quietly encode them.
  if (text === '' || [...text].some((c) => c.trim() === '' || c < ' ' || c === '\x7f')) return undefined;
  if (text.startsWith('/')) return new ParsedURL(new URL(text, 'http://path.invalid'), true);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text) || !URL.canParse(text)) return undefined;
  return new ParsedURL(new URL(text), false);
}

function urlOrThrow(text: string): ParsedURL {
  const url = parseURL(text);
  if (!url) throw celError(`URL parse error during conversion from string: ${text}`);
  return url;
}

const part = (pick: (u: URL) => string) => (p: ParsedURL) => (p.pathOnly ? '' : pick(p.url));

function query(p: ParsedURL): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of p.url.searchParams) out[key] = [...(out[key] ?? []), value];
  return out;
}

export function registerURLLibrary(env: Environment): void {
  env
    .registerType('net.URL', ParsedURL)
    .registerFunction('isURL(string): bool', (s: string) => parseURL(s) !== undefined)
    .registerFunction('url(string): net.URL', urlOrThrow)
    .registerFunction('string(net.URL): string', (p: ParsedURL) => (p.pathOnly ? p.url.pathname : p.url.href))
    .registerFunction(
      'net.URL.getScheme(): string',
      part((u) => u.protocol.slice(0, -1)),
    )
    .registerFunction(
      'net.URL.getHost(): string',
      part((u) => u.host),
    )
    .registerFunction(
      'net.URL.getHostname(): string',
      part((u) => u.hostname.replace(/^\[(.*)\]$/, '$1')),
    )
    .registerFunction(
      'net.URL.getPort(): string',
      part((u) => u.port),
    )
    .registerFunction('net.URL.getEscapedPath(): string', (p: ParsedURL) => p.url.pathname)
    .registerFunction('net.URL.getQuery(): map<string, list<string>>', query);
}
