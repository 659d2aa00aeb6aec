import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Which S3 endpoints the operator will call for a tenant. An AuditArchive's endpoint is written
 * by the tenant's owners, and the operator calls it from inside the cluster with its own
 * network position: without a policy a tenant could make it call loopback, the cloud's
 * metadata service or cluster-internal services. By default only https to public addresses;
 * the platform may allow plain http and address ranges (an on-premises S3, tests on loopback).
 */
export interface EndpointPolicy {
  /** Permit http:// endpoints (default: https only). */
  allowHttp?: boolean;
  /** Address ranges permitted even though they are not public, as CIDRs (`10.20.0.0/16`, `127.0.0.1/32`). */
  allowCidrs?: readonly string[];
  /**
   * Cluster-internal host names permitted: exact names, or suffixes starting with a dot
   * (`.storage.svc.cluster.local`). Their addresses must still be public or in allowCidrs.
   */
  allowHosts?: readonly string[];
}

/**
 * Names that reach the cluster's own services or the machine itself, whatever they resolve to
 * from where the check runs: single-label names (resolved through the pod's search domains),
 * `.svc`, `.cluster.local`, `localhost`.
 */
function internalName(host: string): string | undefined {
  if (host === 'localhost' || host.endsWith('.localhost')) return 'the local machine';
  if (!host.includes('.')) return 'a single-label name, which resolves to a cluster service';
  if (host.endsWith('.svc') || host.endsWith('.cluster.local') || host.includes('.svc.')) {
    return 'a cluster-internal service name';
  }
  return undefined;
}

const hostAllowed = (host: string, allow: readonly string[]) =>
  allow.some((a) => (a.startsWith('.') ? host.endsWith(a) : host === a));

/** Ranges that are never public: loopback, link-local (cloud metadata), private, CGNAT, multicast, reserved. */
const NOT_PUBLIC: ReadonlyArray<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (cloud metadata services live here)'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (CGNAT) address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  return list;
}

/**
 * Splits `--archive-endpoint-allow` into CIDRs and host names (`name` or `.suffix`), saying
 * which entry is neither.
 */
export function parseAllowList(list: readonly string[]): { allowCidrs: string[]; allowHosts: string[] } {
  const allowCidrs: string[] = [];
  const allowHosts: string[] = [];
  for (const entry of list) {
    if (entry.includes('/')) allowCidrs.push(...parseCidrs([entry]));
    else if (/^\.?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(entry))
      allowHosts.push(entry);
    else
      throw new Error(
        `"${entry}" is neither a CIDR (10.20.0.0/16) nor a host name (s3.storage.svc or .svc.cluster.local)`,
      );
  }
  return { allowCidrs, allowHosts };
}

/** Parses CIDRs, saying which one is wrong. */
export function parseCidrs(list: readonly string[]): string[] {
  for (const cidr of list) {
    const [address = '', bits, extra] = cidr.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const n = Number(bits);
    if (!family || extra !== undefined || bits === undefined || !Number.isInteger(n) || n < 0 || n > max) {
      throw new Error(`not a CIDR: "${cidr}" (for example 10.20.0.0/16 or fd00::/8)`);
    }
  }
  return [...list];
}

/** Why the operator won't call this address, or undefined when it may. */
export function forbiddenAddress(address: string, policy: EndpointPolicy = {}): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  // An IPv4-mapped IPv6 address is the IPv4 address: judge it as one (URLs write it in hex).
  const mapped = ipv4Mapped(address);
  if (mapped) return forbiddenAddress(mapped, policy);
  if (blockListOf(policy.allowCidrs ?? []).check(address, family)) return undefined;
  for (const [net, bits, fam, why] of NOT_PUBLIC) {
    if (fam !== family) continue;
    const one = new BlockList();
    one.addSubnet(net, bits, fam);
    if (one.check(address, family)) return why;
  }
  return undefined;
}

function ipv4Mapped(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const hi = Number.parseInt(hex[1] ?? '0', 16);
  const lo = Number.parseInt(hex[2] ?? '0', 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Checks an endpoint URL before any connection: scheme, no credentials in it, no literal forbidden address. */
export function checkEndpoint(endpoint: string, policy: EndpointPolicy = {}): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `endpoint ${JSON.stringify(endpoint)} is not a URL`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return `endpoint ${endpoint} must use https${url.protocol === 'http:' ? ' (the platform has not allowed plain http)' : ''}`;
  }
  if (url.username || url.password) return `endpoint ${url.host} must not carry credentials; use the Secret`;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const internal = isIP(host) ? undefined : internalName(host);
  if (internal && !hostAllowed(host, policy.allowHosts ?? [])) {
    return `endpoint ${endpoint} is ${internal}, which the operator does not call on a tenant's behalf`;
  }
  if (isIP(host)) {
    const why = forbiddenAddress(host, policy);
    if (why) return `endpoint ${endpoint} is ${why}, which the operator does not call on a tenant's behalf`;
  }
  return undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A dns.lookup for the S3 client's agents that refuses forbidden addresses at connect time, so
 * a name that resolves (or later re-resolves: DNS rebinding) to an internal address is never
 * connected to.
 */
export function guardedLookup(policy: EndpointPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const why = forbiddenAddress(a.address, policy);
        if (why) {
          const e: NodeJS.ErrnoException = new Error(
            `${hostname} resolves to ${a.address}, ${why}, which the operator does not call on a tenant's behalf`,
          );
          e.code = 'EENDPOINTNOTALLOWED';
          return callback(e, []);
        }
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      return first
        ? callback(null, first.address, first.family)
        : callback(new Error(`${hostname}: no address`), []);
    });
  };
}
