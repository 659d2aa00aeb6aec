import { describe, expect, it } from 'vitest';
import { validationRuleEnvironment } from './environment.ts';

const run = (expression: string, self: unknown = null): unknown =>
  validationRuleEnvironment().evaluate(expression, { self });

describe("Kubernetes' CEL libraries", () => {
  it('IP and CIDR: strict parsing, families, ranges', () => {
    expect(run("isIP('10.0.0.1') && isIP('2001:db8::1')")).toBe(true);
    // Leading zeros, zones and IPv4-mapped IPv6 addresses are refused, as in the API server.
    expect(
      run("isIP('10.01.0.1') || isIP('fe80::1%eth0') || isIP('::ffff:1.2.3.4') || isIP('acme.dev')"),
    ).toBe(false);
    expect(
      run("ip('10.0.0.1').family() == 4 && ip('::1').family() == 6 && ip('127.0.0.1').isLoopback()"),
    ).toBe(true);
    expect(run("ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:0db8::1')")).toBe(true);
    expect(
      run("cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP('11.0.0.1')"),
    ).toBe(true);
    expect(
      run(
        "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
      ),
    ).toBe(true);
    expect(() => run("ip('nope')")).toThrow(/parse error/);
  });

  it('quantities compare exactly across suffixes', () => {
    expect(
      run(
        "quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('500m').compareTo(quantity('0.5')) == 0",
      ),
    ).toBe(true);
    expect(run("isQuantity('64GB') || isQuantity('1.5.5')")).toBe(false);
    expect(run("quantity('2k').asInteger()")).toBe(2000n);
    expect(run("quantity('1').add(quantity('500m')).isInteger()")).toBe(false);
    expect(run("quantity('1').sub(2).sign()")).toBe(-1n);
  });

  it('named formats validate with apimachinery messages', () => {
    expect(run("format.dns1123Label().validate('acme').hasValue()")).toBe(false);
    expect(run("format.dns1123Label().validate('a.b').value()")).toEqual(['must not contain dots']);
    expect(run("format.named('labelValue').hasValue() && !format.named('nope').hasValue()")).toBe(true);
    expect(run("format.qualifiedName().validate('example.com/Name').hasValue()")).toBe(false);
  });

  it('lists, sets, regex and strings', () => {
    expect(
      run('[1, 2, 3].isSorted() && [3, 1].sum() == 4 && [3, 1].min() == 1 && [1, 2, 1].lastIndexOf(1) == 2'),
    ).toBe(true);
    expect(
      run('sets.contains([1, 2], [2]) && sets.equivalent([1, 2], [2, 1]) && !sets.intersects([1], [2])'),
    ).toBe(true);
    expect(run("'acme-123-x'.find('[0-9]+') == '123' && 'a1b22'.findAll('[0-9]+') == ['1', '22']")).toBe(
      true,
    );
    expect(
      run("'abc'.charAt(1) == 'b' && 'a-b-c'.replace('-', '.', 1) == 'a.b-c' && 'abc'.reverse() == 'cba'"),
    ).toBe(true);
    expect(run("'a.b.c'.split('.') == ['a', 'b', 'c'] && ['a', 'b'].join('-') == 'a-b'")).toBe(true);
  });

  it('URLs and semantic versions', () => {
    expect(
      run("isURL('https://acme.dev:8443/x?a=1') && url('https://acme.dev:8443/x').getPort() == '8443'"),
    ).toBe(true);
    expect(run("isURL('not a url') || isURL('acme.dev')")).toBe(false);
    expect(
      run(
        "semver('1.10.0').isGreaterThan(semver('1.9.9')) && semver('1.0.0-rc.1').isLessThan(semver('1.0.0'))",
      ),
    ).toBe(true);
    expect(run("isSemver('v1.2') || !isSemver('v1.2', true)")).toBe(false);
  });

  it('optional types and cel.bind, as the API server enables them', () => {
    expect(run("self.?size.orValue(0) == 0 && cel.bind(n, self.name, n + '!') == 'x!'", { name: 'x' })).toBe(
      true,
    );
  });
});
