import { describe, expect, it } from 'vitest';
import { isAppFile, parseLdd } from './inputs.ts';
import { imageSbom } from './sbom.ts';

const npm = {
  bomFormat: 'CycloneDX',
  serialNumber: 'urn:uuid:random-every-run',
  metadata: { timestamp: '2030-01-01T00:00:00.000Z', component: { name: 'stg' } },
  components: [{ name: 'pino', version: '10.4.0', purl: 'pkg:npm/pino@10.4.0' }],
};
const extra = [
  {
    name: 'node',
    version: '24.21.0',
    purl: 'pkg:generic/node@24.21.0',
    path: '/usr/local/bin/node',
    sha256: 'ab',
  },
];

describe('imageSbom', () => {
  it('replaces what npm makes up per run with what the build fixes', () => {
    const a = imageSbom(npm, { name: 'tenantry', epochSeconds: 1_700_000_000, extra });
    const b = imageSbom(
      { ...npm, serialNumber: 'urn:uuid:another' },
      { name: 'tenantry', epochSeconds: 1_700_000_000, extra },
    );
    expect(a).toEqual(b);
    expect(a.metadata?.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(a.metadata?.component?.name).toBe('tenantry');
    expect(a.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.components?.map((c) => c.name)).toEqual(['pino', 'node']);
    const other = imageSbom(npm, { name: 'tenantry', epochSeconds: 1_700_000_001, extra });
    expect(other.serialNumber).not.toBe(a.serialNumber);
  });
});

describe('parseLdd', () => {
  it('lists the files the loader maps, not the vDSO', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f00)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f01)',
    ].join('\n');
    expect(parseLdd(out)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });

  it('refuses a library that is not found', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found')).toThrow(/libfoo/);
  });
});

describe('isAppFile', () => {
  it('leaves tests, fixtures and the dev-only dashboards library out of the image', () => {
    expect(isAppFile('operator/app.ts')).toBe(true);
    expect(isAppFile('operator/app.test.ts')).toBe(false);
    expect(isAppFile('operator/tenantapi/testdata/ca.pem')).toBe(false);
    expect(isAppFile('operator/observability/grafana.ts')).toBe(false);
  });
});
