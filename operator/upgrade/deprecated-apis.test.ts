import { describe, expect, it } from 'vitest';
import {
  deprecatedApiFindings,
  deprecatedApisFromAudit,
  deprecatedApisFromMetrics,
} from './deprecated-apis.ts';

const metrics = [
  '# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested',
  '# TYPE apiserver_requested_deprecated_apis gauge',
  'apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.39",resource="flowschemas",subresource="",version="v1beta3"} 1',
  'apiserver_requested_deprecated_apis{group="",removed_release="",resource="componentstatuses",subresource="",version="v1"} 1',
  'apiserver_requested_deprecated_apis_other{group="x"} 1',
].join('\n');

describe('deprecated APIs in use', () => {
  it('reads the API server gauge, one entry per deprecated API requested', () => {
    expect(deprecatedApisFromMetrics(metrics)).toEqual([
      {
        group: 'flowcontrol.apiserver.k8s.io',
        version: 'v1beta3',
        resource: 'flowschemas',
        subresource: '',
        removedRelease: '1.39',
      },
      { group: '', version: 'v1', resource: 'componentstatuses', subresource: '', removedRelease: '' },
    ]);
  });

  it('reads who asked from the audit annotations, and ignores requests not marked deprecated', () => {
    const audit = deprecatedApisFromAudit([
      {
        annotations: { 'k8s.io/deprecated': 'true', 'k8s.io/removed-release': '1.39' },
        user: { username: 'system:serviceaccount:ci:deployer' },
        userAgent: 'helm/v3.19.0 (linux/amd64)',
        objectRef: {
          apiGroup: 'flowcontrol.apiserver.k8s.io',
          apiVersion: 'v1beta3',
          resource: 'flowschemas',
        },
      },
      { annotations: {}, objectRef: { apiVersion: 'v1', resource: 'pods' } },
    ]);
    expect(audit).toEqual([
      expect.objectContaining({
        resource: 'flowschemas',
        client: 'system:serviceaccount:ci:deployer (helm/v3.19.0)',
      }),
    ]);
  });

  it('is an error when the target release no longer serves the API, a warning before that', () => {
    const audit = deprecatedApisFromAudit([
      {
        annotations: { 'k8s.io/deprecated': 'true', 'k8s.io/removed-release': '1.39' },
        user: { username: 'alice' },
        objectRef: {
          apiGroup: 'flowcontrol.apiserver.k8s.io',
          apiVersion: 'v1beta3',
          resource: 'flowschemas',
        },
      },
    ]);
    const at = (target: string) =>
      deprecatedApiFindings(deprecatedApisFromMetrics(metrics), audit, { targetKubernetes: target });
    const [cs, fs] = at('v1.39.0');
    expect(fs).toMatchObject({ severity: 'error', removedRelease: '1.39', clients: ['alice'] });
    expect(fs?.message).toMatch(
      /flowcontrol\.apiserver\.k8s\.io\/v1beta3 flowschemas is still in use, requested by alice/,
    );
    expect(cs).toMatchObject({ severity: 'warning', resource: 'componentstatuses', clients: [] });
    expect(at('1.38')[1]?.severity).toBe('warning');
  });

  it('names a few clients and counts the rest', () => {
    const audit = deprecatedApisFromAudit(
      Array.from({ length: 8 }, (_, i) => ({
        annotations: { 'k8s.io/deprecated': 'true' },
        user: { username: `u${i}` },
        objectRef: { apiVersion: 'v1', resource: 'componentstatuses' },
      })),
    );
    const [f] = deprecatedApiFindings([], audit, { targetKubernetes: '1.40', maxClients: 3 });
    expect(f).toMatchObject({ clients: ['u0', 'u1', 'u2'], otherClients: 5 });
    expect(f?.message).toContain('and 5 more');
  });
});
