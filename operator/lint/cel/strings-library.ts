// What Kubernetes' CEL has for strings beyond the library's built-ins: the rest of CEL's
// strings extension (charAt, replace, reverse, strings.quote) and the regex library's find
// and findAll.

import type { Environment } from '@marcbachmann/cel-js';
import { celError, registerNamespace } from './library-support.ts';

/** CEL indexes strings by code point, not by UTF-16 unit. */
const codePoints = (s: string) => [...s];

function regex(pattern: string, flags = ''): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch {
    throw celError(`invalid regular expression: ${pattern}`);
  }
}

function findAll(s: string, pattern: string, limit: bigint): string[] {
  if (limit === 0n) return [];
  const found = [...s.matchAll(regex(pattern, 'g'))].map((m) => m[0]);
  return limit < 0n ? found : found.slice(0, Number(limit));
}

function replace(s: string, from: string, to: string, limit: bigint): string {
  if (limit < 0n) return s.replaceAll(from, to);
  let out = s;
  let start = 0;
  for (let n = 0n; n < limit; n++) {
    const at = out.indexOf(from, start);
    if (at === -1) break;
    out = out.slice(0, at) + to + out.slice(at + from.length);
    start = at + to.length + (from === '' ? 1 : 0);
  }
  return out;
}

export function registerStringsLibrary(env: Environment): void {
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const chars = codePoints(s);
      if (i < 0n || i > BigInt(chars.length)) throw celError(`index out of range: ${i}`);
      return chars[Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      replace(s, a, b, -1n),
    )
    .registerFunction('string.replace(string, string, int): string', replace)
    .registerFunction('string.reverse(): string', (s: string) => codePoints(s).reverse().join(''))
    .registerFunction('string.find(string): string', (s: string, p: string) => regex(p).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) => findAll(s, p, -1n))
    .registerFunction('string.findAll(string, int): list<string>', findAll);
  const strings = registerNamespace(env, 'strings');
  env.registerFunction(`${strings}.quote(string): string`, (_: unknown, s: string) => JSON.stringify(s));
}
