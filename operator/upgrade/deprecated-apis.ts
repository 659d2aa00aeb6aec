// Deprecated and removed APIs in use, from what really happens rather than from manifests:
// the API server's own gauge `apiserver_requested_deprecated_apis` (one series per deprecated
// group/version/resource requested since it started) and, where the audit stream is
// available, the `k8s.io/deprecated` and `k8s.io/removed-release` annotations it puts on each
// such request, which also say who asked.

import type { Severity } from './finding.ts';

export interface DeprecatedApiFinding {
  rule: 'deprecatedApiRequested';
  /** error: the target Kubernetes release removes it; warning: deprecated, still served there. */
  severity: Severity;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  /** Kubernetes release that removes it, e.g. `1.39`; absent when none is announced. */
  removedRelease?: string;
  /** Who requested it (from audit events): `user (user agent)`, at most a few, with the count of the rest. */
  clients: string[];
  otherClients: number;
  message: string;
  remediation: string;
}

interface ApiKey {
  group: string;
  version: string;
  resource: string;
  subresource: string;
  removedRelease: string;
}

const keyOf = (k: ApiKey) => [k.group, k.version, k.resource, k.subresource].join('/');

/** The label set of one Prometheus text-format sample line, or undefined when it is not `name{...} value`. */
function labelsOf(line: string, metric: string): Record<string, string> | undefined {
  if (!line.startsWith(`${metric}{`)) return undefined;
  const end = line.lastIndexOf('}');
  if (end < 0) return undefined;
  const labels: Record<string, string> = {};
  for (const m of line.slice(metric.length + 1, end).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** The deprecated APIs the API server's metrics say were requested (gauge value 1). */
export function deprecatedApisFromMetrics(text: string): ApiKey[] {
  const found: ApiKey[] = [];
  for (const line of text.split('\n')) {
    const labels = labelsOf(line, 'apiserver_requested_deprecated_apis');
    if (
      !labels ||
      Number(
        line
          .slice(line.lastIndexOf('}') + 1)
          .trim()
          .split(/\s+/)[0],
      ) !== 1
    )
      continue;
    found.push({
      group: labels.group ?? '',
      version: labels.version ?? '',
      resource: labels.resource ?? '',
      subresource: labels.subresource ?? '',
      removedRelease: labels.removed_release ?? '',
    });
  }
  return found;
}

/** The fields of an audit event (audit.k8s.io/v1) this reads. */
export interface AuditEventLike {
  annotations?: Record<string, string>;
  user?: { username?: string };
  userAgent?: string;
  objectRef?: { apiGroup?: string; apiVersion?: string; resource?: string; subresource?: string };
}

/** Deprecated requests in an audit stream, with who made them. */
export function deprecatedApisFromAudit(
  events: Iterable<AuditEventLike>,
): Array<ApiKey & { client: string }> {
  const found: Array<ApiKey & { client: string }> = [];
  for (const e of events) {
    if (e.annotations?.['k8s.io/deprecated'] !== 'true' || !e.objectRef) continue;
    const agent = e.userAgent ? ` (${e.userAgent.split(' ')[0]})` : '';
    found.push({
      group: e.objectRef.apiGroup ?? '',
      version: e.objectRef.apiVersion ?? '',
      resource: e.objectRef.resource ?? '',
      subresource: e.objectRef.subresource ?? '',
      removedRelease: e.annotations['k8s.io/removed-release'] ?? '',
      client: `${e.user?.username ?? 'unknown user'}${agent}`,
    });
  }
  return found;
}

/** `1.39` <= `1.40`: is `release` at or before the target's minor? */
function removedBy(release: string, target: string): boolean {
  const minor = (v: string) => {
    const m = /^v?(\d+)\.(\d+)/.exec(v);
    return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined;
  };
  const r = minor(release);
  const t = minor(target);
  return r !== undefined && t !== undefined && r <= t;
}

/**
 * One finding per deprecated API in use, from the metrics and the audit stream together: an
 * error when the Kubernetes release the upgrade targets no longer serves it, else a warning.
 */
export function deprecatedApiFindings(
  metrics: readonly ApiKey[],
  audit: ReadonlyArray<ApiKey & { client: string }>,
  opts: { targetKubernetes: string; maxClients?: number },
): DeprecatedApiFinding[] {
  const byKey = new Map<string, { api: ApiKey; clients: Set<string> }>();
  for (const api of [...metrics, ...audit]) {
    const entry = byKey.get(keyOf(api)) ?? { api, clients: new Set<string>() };
    if (!entry.api.removedRelease && api.removedRelease)
      entry.api = { ...entry.api, removedRelease: api.removedRelease };
    if ('client' in api) entry.clients.add(api.client as string);
    byKey.set(keyOf(api), entry);
  }
  const max = opts.maxClients ?? 5;
  return [...byKey.values()]
    .sort((a, b) => keyOf(a.api).localeCompare(keyOf(b.api)))
    .map(({ api, clients }) => {
      const gv = api.group ? `${api.group}/${api.version}` : api.version;
      const what = `${gv} ${api.resource}${api.subresource ? `/${api.subresource}` : ''}`;
      const removed = api.removedRelease && removedBy(api.removedRelease, opts.targetKubernetes);
      const who = [...clients].sort();
      const by = who.length
        ? `, requested by ${who.slice(0, max).join(', ')}${who.length > max ? ` and ${who.length - max} more` : ''}`
        : '';
      return {
        rule: 'deprecatedApiRequested' as const,
        severity: removed ? ('error' as const) : ('warning' as const),
        group: api.group,
        version: api.version,
        resource: api.resource,
        ...(api.subresource ? { subresource: api.subresource } : {}),
        ...(api.removedRelease ? { removedRelease: api.removedRelease } : {}),
        clients: who.slice(0, max),
        otherClients: Math.max(0, who.length - max),
        message: removed
          ? `${what} is still in use${by}, and Kubernetes ${api.removedRelease} (at or before the target ${opts.targetKubernetes}) no longer serves it`
          : `${what} is deprecated and still requested${by}${api.removedRelease ? `; removed in Kubernetes ${api.removedRelease}` : ''}`,
        remediation: `move these clients to a served version of ${api.resource} (kubectl api-resources lists them; the Kubernetes deprecated API migration guide names the replacement), then check again: the API server's gauge resets on restart`,
      };
    });
}
