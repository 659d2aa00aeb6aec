import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binDirFor, readVersions } from './binaries.ts';

describe('readVersions', () => {
  it('reads the pinned Kubernetes and etcd versions from hack/versions.env', async () => {
    const v = await readVersions();
    expect(v.kube).toMatch(/^v1\.\d+\.\d+$/);
    expect(v.etcd).toMatch(/^v3\.\d+\.\d+$/);
  });
});

describe('binDirFor', () => {
  it('is the directory build-controlplane.sh fills, under TENANTRY_CACHE when set', () => {
    expect(binDirFor({ kube: 'v1.2.3', etcd: 'v3.4.5' }, { TENANTRY_CACHE: '/c' })).toBe(
      join('/c', 'controlplane', 'kube-v1.2.3-etcd-v3.4.5', 'bin'),
    );
  });
});
