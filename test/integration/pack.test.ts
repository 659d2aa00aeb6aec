import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../../devcluster/tools.ts';
import { PROFILES } from '../../operator/install/profiles.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { kubectl } from '../support/cluster.ts';
import { runTool } from '../support/tools.ts';

// The pack is what partners apply with kubectl: every overlay must render, agree with the
// chart object by object, and be accepted by a real API server.
const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (await import('../../package.json', { with: { type: 'json' } })).default.version;
const pack = path.join(root, 'bundles', version);

type Doc = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, any>;
};
const docs = (yaml: string): Doc[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => d !== null);
const key = (d: Doc) => `${d.kind}/${d.metadata?.namespace ?? ''}/${d.metadata?.name}`;

async function kustomize(dir: string): Promise<Doc[]> {
  return docs((await kubectl('kustomize', dir)).stdout);
}

/** The Deployment's pod spec with what the pack and the chart choose differently taken out. */
function podSpec(d: Doc | undefined) {
  const spec = structuredClone(d?.spec?.template?.spec);
  for (const c of spec?.containers ?? []) {
    c.image = '<image>';
    // The chart leaves --resync at the operator's default; the profiles choose it. The pack
    // serves the tenant API with the operator's own certificate; the chart, off by default,
    // with a Secret the platform brings (compared in their own test below).
    c.args = c.args.filter((a: string) => !a.startsWith('--resync=') && !a.startsWith('--tenant-api-'));
    c.ports = c.ports.filter((p: { name: string }) => p.name !== 'tenant-api');
  }
  return spec;
}

/** `helm template` of the chart in the operator namespace, with these extra arguments; its objects. */
async function helmTemplate(helm: string, args: string[]): Promise<Map<string, Doc>> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tenantry-helm-'));
  const chart = await runTool(
    helm,
    ['template', 'tenantry', path.join(root, 'charts/tenantry'), '--namespace', DEFAULT_NAMESPACE, ...args],
    { HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
  );
  expect(chart.code, chart.stderr).toBe(0);
  return new Map(docs(chart.stdout).map((d) => [key(d), d]));
}

describe('the distribution pack', () => {
  let helm: string;
  beforeAll(async () => {
    helm = await ensureHelm();
  }, 900_000);

  it('renders each overlay with CRDs, the operator tuned to its profile and its DistributionBundle', async () => {
    for (const p of PROFILES) {
      const rendered = await kustomize(path.join(pack, 'overlays', p.name));
      const deployment = rendered.find((d) => d.kind === 'Deployment');
      expect(deployment?.spec?.replicas, p.name).toBe(p.run.replicas);
      expect(deployment?.spec?.template.spec.containers[0].image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(deployment?.spec?.template.spec.containers[0].args).toContain(`--resync=${p.run.resync}`);
      const bundle = rendered.find((d) => d.kind === 'DistributionBundle');
      expect(bundle?.spec).toMatchObject({ version, profile: p.name });
      expect(rendered.filter((d) => d.kind === 'CustomResourceDefinition')).toHaveLength(5);
    }
  });

  it('has a validation folder that runs the suite once in the pinned image, with its own least-privilege RBAC', async () => {
    const pinned = JSON.parse(readFileSync(path.join(root, 'bundles/image.json'), 'utf8')) as {
      repository: string;
      digest: string;
    };
    const rendered = await kustomize(path.join(pack, 'validation'));
    expect(rendered.map(key).sort()).toEqual(
      [
        `Job/${DEFAULT_NAMESPACE}/tenantry-validation`,
        `ServiceAccount/${DEFAULT_NAMESPACE}/tenantry-validation`,
        `Role/${DEFAULT_NAMESPACE}/tenantry-validation`,
        `RoleBinding/${DEFAULT_NAMESPACE}/tenantry-validation`,
        'ClusterRole//tenantry-validation',
        'ClusterRoleBinding//tenantry-validation',
      ].sort(),
    );
    const job = rendered.find((d) => d.kind === 'Job');
    const container = job?.spec?.template.spec.containers[0];
    expect(container.image).toBe(`${pinned.repository}@${pinned.digest}`);
    expect(container.args).toEqual([
      'validate',
      '-o',
      'json',
      '-n',
      DEFAULT_NAMESPACE,
      '--sign-wait',
      '60',
      '--bundle',
      'tenantry',
    ]);
    // No cluster DNS: the operator's probes through the API server's service proxy.
    expect(container.args.join(' ')).not.toContain('--operator-url');
    const overlay = await kustomize(path.join(pack, 'overlays/M'));
    const operator = overlay.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
    // The operator finds its own image from its Pod: a mirrored image (kustomize `images:`)
    // is the one its Jobs run too, with nothing else to edit.
    expect(operator.env).toContainEqual({
      name: 'POD_NAME',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    expect(operator.image).toBe(container.image);
  });

  it('agrees with the chart object by object for the same choices', async () => {
    const m = PROFILES.find((p) => p.name === 'M');
    if (!m) throw new Error('no profile M');
    const fromChart = await helmTemplate(helm, [
      '--include-crds',
      '--set',
      `replicaCount=${m.run.replicas}`,
      '--set',
      `resources.requests.cpu=${m.run.resources.requests.cpu}`,
      '--set',
      `resources.requests.memory=${m.run.resources.requests.memory}`,
      '--set',
      `resources.limits.memory=${m.run.resources.limits.memory}`,
    ]);
    const fromPack = new Map((await kustomize(path.join(pack, 'overlays/M'))).map((d) => [key(d), d]));
    const both = [...fromPack.keys()].filter((k) => fromChart.has(k));
    // Everything but the Namespace (Helm's), the bundle (the pack's) and the tenant API (off
    // in the chart by default) is in both.
    expect([...fromPack.keys()].filter((k) => !fromChart.has(k)).sort()).toEqual(
      [
        'APIService//v1alpha1.api.tenantry.dev',
        'ClusterRoleBinding//tenantry:operator:auth-delegator',
        'DistributionBundle//tenantry',
        `Namespace//${DEFAULT_NAMESPACE}`,
        'RoleBinding/kube-system/tenantry:operator:authentication-reader',
        `Service/${DEFAULT_NAMESPACE}/tenantry-api`,
      ].sort(),
    );
    expect(both.length).toBeGreaterThan(30);
    for (const k of both) {
      const [a, b] = [fromPack.get(k), fromChart.get(k)];
      if (a?.kind === 'Deployment') {
        expect(a.spec?.replicas).toBe(b?.spec?.replicas);
        expect(podSpec(a), k).toEqual(podSpec(b));
      } else if (a?.kind === 'Service') {
        expect(a.spec, k).toEqual(b?.spec);
      } else {
        expect(a, k).toEqual(b);
      }
    }
  });

  it("serves the tenant API with the operator's own certificate: the chart's objects, no caBundle", async () => {
    const fromChart = await helmTemplate(helm, [
      '--set',
      'tenantApi.enabled=true',
      '--set',
      'tenantApi.caBundle=unused',
    ]);
    const rendered = await kustomize(path.join(pack, 'overlays/S'));
    const apiService = rendered.find((d) => d.kind === 'APIService');
    // The operator sets it; a caBundle in the pack would fight it on every re-apply.
    expect(apiService?.spec).not.toHaveProperty('caBundle');
    expect(apiService?.spec?.service).toEqual({
      namespace: DEFAULT_NAMESPACE,
      name: 'tenantry-api',
      port: 443,
    });
    const { caBundle: _, ...chartSpec } = fromChart.get(key(apiService ?? {}))?.spec ?? {};
    expect(apiService?.spec).toEqual(chartSpec);
    for (const k of [
      'ClusterRoleBinding//tenantry:operator:auth-delegator',
      'RoleBinding/kube-system/tenantry:operator:authentication-reader',
      `Service/${DEFAULT_NAMESPACE}/tenantry-api`,
    ])
      expect(
        rendered.find((d) => key(d) === k),
        k,
      ).toEqual(fromChart.get(k));
    for (const p of PROFILES) {
      const operator = (await kustomize(path.join(pack, 'overlays', p.name))).find(
        (d) => d.kind === 'Deployment',
      )?.spec?.template.spec.containers[0];
      expect(operator.args, p.name).toEqual(
        expect.arrayContaining(['--tenant-api-address=:8443', '--tenant-api-self-signed']),
      );
      expect(operator.args.at(-1), p.name).toBe('--log-level=info');
      expect(operator.ports).toContainEqual({ name: 'tenant-api', containerPort: 8443 });
    }
    // The operator may touch that one APIService by name, and nothing of any other.
    const role = rendered.find((d) => key(d) === 'ClusterRole//tenantry:operator') as
      | { rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[] }
      | undefined;
    expect(role?.rules.filter((r) => r.apiGroups.includes('apiregistration.k8s.io'))).toEqual([
      {
        apiGroups: ['apiregistration.k8s.io'],
        resources: ['apiservices'],
        verbs: ['get', 'patch'],
        resourceNames: ['v1alpha1.api.tenantry.dev'],
      },
    ]);
  });

  it('is accepted by the API server (server-side apply, dry run)', async () => {
    const applied = await kubectl(
      'apply',
      '-k',
      path.join(pack, 'overlays/S'),
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
    );
    expect(applied.stdout).toMatch(/deployment\.apps\/tenantry serverside-applied \(server dry run\)/);
    expect(applied.stdout).toMatch(
      /distributionbundle\.tenantry\.dev\/tenantry serverside-applied \(server dry run\)/,
    );
    const validation = await kubectl(
      'apply',
      '-k',
      path.join(pack, 'validation'),
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
    );
    expect(validation.stdout).toMatch(
      /job\.batch\/tenantry-validation serverside-applied \(server dry run\)/,
    );
  });
});
