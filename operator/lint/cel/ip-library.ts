// Kubernetes' CEL IP and CIDR libraries: isIP, ip(), isCIDR, cidr() and their methods, with
// the API server's strictness (no leading zeros, no zones, no IPv4-mapped IPv6 addresses).

import type { Environment } from '@marcbachmann/cel-js';
import { celError, registerNamespace } from './library-support.ts';

/** An IP address as 4 or 16 bytes. */
export class IPAddress {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  toString(): string {
    if (this.family === 4) return [...this.bytes].join('.');
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((this.bytes[i] ?? 0) << 8) | (this.bytes[i + 1] ?? 0));
    // The longest run of two or more zero groups becomes '::' (RFC 5952).
    let best = { start: -1, length: 1 };
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > best.length) best = { start: i, length: j - i };
      i = j === i ? i + 1 : j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (best.start === -1) return hex.join(':');
    return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
  }
}

/** An IP prefix: an address and how many of its leading bits are the network. */
export class CIDRPrefix {
  readonly address: IPAddress;
  readonly length: number;

  constructor(address: IPAddress, length: number) {
    this.address = address;
    this.length = length;
  }

  contains(ip: IPAddress): boolean {
    if (ip.family !== this.address.family) return false;
    return samePrefix(ip.bytes, this.address.bytes, this.length);
  }

  masked(): CIDRPrefix {
    const bytes = this.address.bytes.map((b, i) => {
      const bits = Math.max(0, Math.min(8, this.length - i * 8));
      return b & (0xff << (8 - bits)) & 0xff;
    });
    return new CIDRPrefix(new IPAddress(bytes), this.length);
  }

  toString(): string {
    return `${this.address}/${this.length}`;
  }
}

function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if (((a[i >> 3] ?? 0) & mask) !== ((b[i >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^(0|[1-9][0-9]{0,2})$/.test(p) ? Number(p) : 256));
  return bytes.every((b) => b <= 255) ? Uint8Array.from(bytes) : undefined;
}

function parseIPv6(text: string): Uint8Array | undefined {
  if (text.includes('%')) return undefined; // zones are refused
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): number[] | undefined => {
    if (!half) return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIPv4(part);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(Number.parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

/** An address as Kubernetes' CEL accepts it, or undefined. */
export function parseIP(text: string): IPAddress | undefined {
  const bytes = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  if (!bytes) return undefined;
  const ip = new IPAddress(bytes);
  return isIPv4Mapped(ip) ? undefined : ip;
}

function isIPv4Mapped(ip: IPAddress): boolean {
  return (
    ip.family === 6 &&
    ip.bytes.slice(0, 10).every((b) => b === 0) &&
    ip.bytes[10] === 0xff &&
    ip.bytes[11] === 0xff
  );
}

export function parseCIDR(text: string): CIDRPrefix | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]*)$/.test(bits)) return undefined;
  const length = Number(bits);
  return length > ip.bytes.length * 8 ? undefined : new CIDRPrefix(ip, length);
}

function ipOrThrow(text: string): IPAddress {
  const ip = parseIP(text);
  if (!ip) throw celError(`IP Address ${JSON.stringify(text)} parse error during conversion from string`);
  return ip;
}

function cidrOrThrow(text: string): CIDRPrefix {
  const cidr = parseCIDR(text);
  if (!cidr)
    throw celError(`network address parse error during conversion from string: ${JSON.stringify(text)}`);
  return cidr;
}

function isLoopback(ip: IPAddress): boolean {
  if (ip.family === 4) return ip.bytes[0] === 127;
  return ip.bytes.slice(0, 15).every((b) => b === 0) && ip.bytes[15] === 1;
}

function isLinkLocalUnicast(ip: IPAddress): boolean {
  if (ip.family === 4) return ip.bytes[0] === 169 && ip.bytes[1] === 254;
  return ip.bytes[0] === 0xfe && ((ip.bytes[1] ?? 0) & 0xc0) === 0x80;
}

function isLinkLocalMulticast(ip: IPAddress): boolean {
  if (ip.family === 4) return ip.bytes[0] === 224 && ip.bytes[1] === 0 && ip.bytes[2] === 0;
  return ip.bytes[0] === 0xff && ((ip.bytes[1] ?? 0) & 0x0f) === 0x02;
}

function isUnspecified(ip: IPAddress): boolean {
  return ip.bytes.every((b) => b === 0);
}

function isGlobalUnicast(ip: IPAddress): boolean {
  const multicast = ip.family === 4 ? ((ip.bytes[0] ?? 0) & 0xf0) === 0xe0 : ip.bytes[0] === 0xff;
  const broadcast = ip.family === 4 && ip.bytes.every((b) => b === 0xff);
  return !isUnspecified(ip) && !isLoopback(ip) && !multicast && !broadcast && !isLinkLocalUnicast(ip);
}

export function registerIPLibrary(env: Environment): void {
  const ipNamespace = registerNamespace(env, 'ip');
  env
    .registerType('net.IP', IPAddress)
    .registerType('net.CIDR', CIDRPrefix)
    .registerFunction('isIP(string): bool', (s: string) => parseIP(s) !== undefined)
    .registerFunction('ip(string): net.IP', ipOrThrow)
    .registerFunction(
      `${ipNamespace}.isCanonical(string): bool`,
      (_: unknown, s: string) => ipOrThrow(s).toString() === s,
    )
    .registerFunction('string(net.IP): string', (ip: IPAddress) => ip.toString())
    .registerFunction('net.IP.family(): int', (ip: IPAddress) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', isUnspecified)
    .registerFunction('net.IP.isLoopback(): bool', isLoopback)
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', isLinkLocalMulticast)
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', isLinkLocalUnicast)
    .registerFunction('net.IP.isGlobalUnicast(): bool', isGlobalUnicast)
    .registerOperator('net.IP == net.IP', (a: IPAddress, b: IPAddress) => a.toString() === b.toString())
    .registerFunction('isCIDR(string): bool', (s: string) => parseCIDR(s) !== undefined)
    .registerFunction('cidr(string): net.CIDR', cidrOrThrow)
    .registerFunction('string(net.CIDR): string', (c: CIDRPrefix) => c.toString())
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CIDRPrefix, s: string) =>
      c.contains(ipOrThrow(s)),
    )
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CIDRPrefix, ip: IPAddress) => c.contains(ip))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (c: CIDRPrefix, s: string) =>
      containsCIDR(c, cidrOrThrow(s)),
    )
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', containsCIDR)
    .registerFunction('net.CIDR.ip(): net.IP', (c: CIDRPrefix) => c.address)
    .registerFunction('net.CIDR.masked(): net.CIDR', (c: CIDRPrefix) => c.masked())
    .registerFunction('net.CIDR.prefixLength(): int', (c: CIDRPrefix) => BigInt(c.length))
    .registerOperator(
      'net.CIDR == net.CIDR',
      (a: CIDRPrefix, b: CIDRPrefix) => a.toString() === b.toString(),
    );
}

function containsCIDR(outer: CIDRPrefix, inner: CIDRPrefix): boolean {
  return inner.length >= outer.length && outer.contains(inner.address);
}
