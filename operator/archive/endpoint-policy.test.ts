import { describe, expect, it } from 'vitest';
import {
  checkEndpoint,
  forbiddenAddress,
  guardedLookup,
  parseAllowList,
  parseCidrs,
} from './endpoint-policy.ts';

describe('checkEndpoint', () => {
  it('accepts https to a public name or address', () => {
    expect(checkEndpoint('https://s3.eu-west-1.amazonaws.com')).toBeUndefined();
    expect(checkEndpoint('https://203.0.113.10:9000')).toBeUndefined();
  });
  it('refuses http unless the platform allows it', () => {
    expect(checkEndpoint('http://s3.example.com')).toMatch(
      /must use https \(the platform has not allowed plain http\)/,
    );
    expect(checkEndpoint('http://s3.example.com', { allowHttp: true })).toBeUndefined();
    expect(checkEndpoint('file:///etc/passwd')).toMatch(/must use https/);
  });
  it('refuses loopback, link-local, private and mapped addresses given literally', () => {
    for (const [url, why] of [
      ['https://127.0.0.1:7070', /loopback/],
      ['https://169.254.169.254', /link-local/],
      ['https://10.96.0.1', /private/],
      ['https://[::1]:443', /loopback/],
      ['https://[::ffff:127.0.0.1]', /loopback/],
      ['https://[fd00::5]', /private/],
      ['https://0.0.0.0', /unspecified/],
    ] as const) {
      expect(checkEndpoint(url), url).toMatch(why);
    }
  });
  it('refuses cluster-internal and local names, unless the platform allows them', () => {
    expect(checkEndpoint('https://kubernetes.default.svc')).toMatch(/cluster-internal service name/);
    expect(checkEndpoint('https://minio.storage.svc.cluster.local:9000')).toMatch(/cluster-internal/);
    expect(checkEndpoint('https://minio')).toMatch(/single-label name/);
    expect(checkEndpoint('https://localhost')).toMatch(/local machine/);
    expect(
      checkEndpoint('https://minio.storage.svc.cluster.local:9000', {
        allowHosts: ['.storage.svc.cluster.local'],
      }),
    ).toBeUndefined();
  });

  it('lets the platform allow ranges it trusts', () => {
    expect(
      checkEndpoint('http://127.0.0.1:7070', { allowHttp: true, allowCidrs: ['127.0.0.0/8'] }),
    ).toBeUndefined();
  });
  it('refuses credentials in the URL and what is not a URL', () => {
    expect(checkEndpoint('https://key:secret@s3.example.com')).toMatch(/must not carry credentials/);
    expect(checkEndpoint('not a url')).toMatch(/is not a URL/);
  });
});

describe('parseAllowList', () => {
  it('tells CIDRs from host names and names a wrong entry', () => {
    expect(parseAllowList(['10.0.0.0/8', '.svc.cluster.local', 's3.storage'])).toEqual({
      allowCidrs: ['10.0.0.0/8'],
      allowHosts: ['.svc.cluster.local', 's3.storage'],
    });
    expect(() => parseAllowList(['http://x'])).toThrow(/not a CIDR/);
    expect(() => parseAllowList(['bad host!'])).toThrow(/neither a CIDR/);
  });
});

describe('forbiddenAddress and parseCidrs', () => {
  it('judges addresses, IPv4 and IPv6', () => {
    expect(forbiddenAddress('8.8.8.8')).toBeUndefined();
    expect(forbiddenAddress('2001:db8::1')).toBeUndefined();
    expect(forbiddenAddress('100.64.1.1')).toMatch(/CGNAT/);
    expect(forbiddenAddress('172.31.255.255')).toMatch(/private/);
    expect(forbiddenAddress('172.32.0.1')).toBeUndefined();
  });
  it('parses CIDRs and names a wrong one', () => {
    expect(parseCidrs(['10.0.0.0/8', 'fd00::/8'])).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(() => parseCidrs(['10.0.0.0'])).toThrow(/not a CIDR: "10.0.0.0"/);
    expect(() => parseCidrs(['10.0.0.0/33'])).toThrow(/not a CIDR/);
  });
});

describe('guardedLookup', () => {
  it('refuses a name that resolves to a forbidden address, at connect time', async () => {
    const lookup = guardedLookup({});
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', {}, (e) => resolve(e)),
    );
    expect(err?.code).toBe('EENDPOINTNOTALLOWED');
    expect(err?.message).toMatch(/localhost resolves to .*loopback/);
  });
  it('passes an allowed one through', async () => {
    const lookup = guardedLookup({ allowCidrs: ['127.0.0.0/8', '::1/128'] });
    const address = await new Promise<unknown>((resolve) => lookup('localhost', {}, (_e, a) => resolve(a)));
    expect(String(address)).toMatch(/127\.0\.0\.1|::1/);
  });
});
