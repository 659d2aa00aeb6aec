// The attacker suite of issue 9: the ways out of the cage, tried from the tenant's side by users
// the API server authenticates by client certificate (no impersonation). Each row names the item
// of the issue's "What to build" it covers (9.1 ... 9.9; "bar" for its "nothing of A reachable
// from B"). A row passes when the request is refused with a message that says what was refused
// (403/422) or, where the second line of defence is the point, when the state comes back in time.
// Rows whose fix has not landed fail on purpose: the matrix printed at the end (attack x
// expected x actual) is the checklist for those fixes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { pemKeyPair } from '../../devcluster/certs.ts';
import {
  ANNOTATION_APPROVED_BY,
  ANNOTATION_RESERVED_SINCE,
  CLUSTERROLE_TENANT_OWNER,
  LABEL_ENTITLEMENT,
  LABEL_EVIDENCE,
  LABEL_MANAGED_BY,
  LABEL_NAMESPACE_ROLE,
  LABEL_NODE_AGENTS,
  LABEL_POOL,
  LABEL_POOL_NAMESPACE,
  LABEL_POOL_RESTRICTED,
  LABEL_PROFILE,
  LABEL_REGION,
  LABEL_TENANT,
  TAINT_POOL,
} from '../../operator/api/names.ts';
import type { AddOn, Entitlement, Tenant } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { PUBLIC_KEYS_CONFIGMAP, SIGNING_KEY_SECRET } from '../../operator/evidence/keystore.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../../operator/install/token.ts';
import { apply, controllerRef, deepEqual, withTypeMeta } from '../../operator/runtime/apply.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { Namespace, Node, NodeTaint } from '../../operator/runtime/kube/core.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject, KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin, type ResourceType, resourcePath } from '../../operator/runtime/kube/resource.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import {
  approveCsr,
  attackers,
  type CertificateSigningRequest,
  CertificateSigningRequestResource,
  type CertUser,
  certificateRequest,
  certificateUser,
  clientCsr,
  NODE_OPS_GROUP,
} from '../support/users.ts';
import { waitFor } from '../support/wait.ts';

/** How long an accepted change may take to be undone by the operator to count as repaired. */
const REPAIR_MS = 8_000;
/** How long another tenant's pod may stay on a node after it is reserved. */
const EVICTION_MS = 30_000;
const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';
const RBAC = 'rbac.authorization.k8s.io';

const A = uniqueName('atk-a');
const B = uniqueName('atk-b');
const nsA = `${A}-default`;
const sysA = `${A}-system`;
const nsB = `${B}-default`;
const sysB = `${B}-system`;
const NODE_OPS_ROLE = uniqueName('tenantry-test-node-ops');
const ERIN_ROLE = 'tenantry-test-namespace-admin';

const who = {
  alice: 'alice (owner A)',
  amy: 'amy (owner A, 2nd)',
  bob: 'bob (owner B)',
  carol: 'carol (plain user)',
  dave: 'dave (node-ops)',
  // What an owner's self-escalation that got through would give her: RBAC rights on her
  // namespace object and Tenantry's objects in it. Only admission can stop her.
  erin: 'erin (RBAC on A ns)',
  kubelet: 'kubelet',
  admin: 'platform admin',
};

let admin: KubeClient;
/** The operator's ServiceAccount: puts back what an accepted attack changed, as the operator would. */
let op: KubeClient;
let stopOperator: () => Promise<void> = async () => {};
let cast: Awaited<ReturnType<typeof attackers<'amy' | 'erin'>>> | undefined;
let alice: CertUser;
let amy: CertUser;
let bob: CertUser;
let carol: CertUser;
let dave: CertUser;
let erin: CertUser;
/** The kubelets of the free node and of B's pool node, as the Node authorizer knows them. */
let kubeletFree: CertUser;
let kubeletPool: CertUser;
/** The node A's pool is asked to reserve while bob's pod runs there. */
let nodeA = '';
/** B's pool node. */
let nodeB = '';
/** A node in no pool. */
let nodeFree = '';
const victim = 'victim';
const alicePod = 'app';
let receipt = '';
let guardRailsAtStart: Record<string, unknown> = {};

// --- The matrix ------------------------------------------------------------------------------

type Verdict =
  | 'refused'
  | 'accepted'
  | 'repaired'
  | 'stamped'
  | 'evicted'
  | 'not-chosen'
  | 'intact'
  | 'changed'
  | 'unclear'
  | 'error';
interface Seen {
  verdict: Verdict;
  detail: string;
}
interface Row {
  point: string;
  actor: string;
  attack: string;
  expected: Verdict[];
  seen?: Seen;
}
type Undo = (fn: () => Promise<unknown>) => void;

const matrix: Row[] = [];

/** One row: runs the attack, undoes what it changed (newest first), checks the verdict. */
function attack(
  point: string,
  actor: string,
  what: string,
  expected: Verdict | Verdict[],
  run: (undo: Undo) => Promise<Seen>,
  timeoutMs = 90_000,
): void {
  const row: Row = { point, actor, attack: what, expected: [expected].flat() };
  matrix.push(row);
  it(
    `${point} ${actor}: ${what}`,
    async () => {
      const undos: Array<() => Promise<unknown>> = [];
      let seen: Seen;
      try {
        seen = await run((fn) => undos.push(fn));
      } catch (e) {
        seen = { verdict: 'error', detail: errorText(e) };
      }
      for (const fn of undos.reverse()) {
        await fn().catch((e: unknown) => console.warn(`undoing "${what}" failed: ${errorText(e)}`));
      }
      row.seen = seen;
      expect(row.expected, `${seen.verdict}: ${seen.detail}`).toContain(seen.verdict);
    },
    timeoutMs,
  );
}

function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.code} ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Refusals whose wording names the user, the verb and the resource, or the PodSecurity check. */
const SELF_EXPLAINING = [
  /cannot \S+ resource "[^"]+"/,
  /attempting to grant RBAC permissions not currently held/,
  /violates PodSecurity/,
];

/**
 * A refusal (403 or 422) whose message says what was refused: an RBAC or PodSecurity refusal,
 * or an admission message naming one of `hints` (the field, label or value at stake) beyond
 * the generic `<resource> "<name>" is forbidden` prefix and the policy's name.
 */
function judge(e: unknown, hints: readonly string[]): Seen {
  const detail = errorText(e);
  if (!(e instanceof ApiError) || (e.code !== 403 && e.code !== 422)) return { verdict: 'error', detail };
  const reason = e.message
    .replace(/^[^"]*"[^"]*" is (forbidden|invalid): /, '')
    .replace(/^ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request: /, '')
    .toLowerCase();
  const clear =
    SELF_EXPLAINING.some((r) => r.test(e.message)) || hints.some((h) => reason.includes(h.toLowerCase()));
  return { verdict: clear ? 'refused' : 'unclear', detail };
}

type Step = readonly [string, () => Promise<unknown>];

/** Runs the steps of an attack in order; the first refusal is the verdict. */
async function chain(hints: readonly string[], ...steps: Step[]): Promise<Seen> {
  for (const [i, [name, fn]] of steps.entries()) {
    try {
      await fn();
    } catch (e) {
      const seen = judge(e, hints);
      return steps.length > 1 ? { ...seen, detail: `step ${i + 1} (${name}): ${seen.detail}` } : seen;
    }
  }
  return {
    verdict: 'accepted',
    detail: steps.length > 1 ? `all ${steps.length} steps accepted` : 'accepted',
  };
}

const attempt = (fn: () => Promise<unknown>, ...hints: string[]) => chain(hints, ['request', fn]);

/** An accepted change that the operator undoes within REPAIR_MS is `repaired`. */
async function unlessRepaired(seen: Seen, restored: () => Promise<boolean>): Promise<Seen> {
  if (seen.verdict !== 'accepted') return seen;
  const t0 = Date.now();
  const ok = await waitFor('the repair', async () => (await restored()) || undefined, {
    timeoutMs: REPAIR_MS,
  }).then(
    () => true,
    () => false,
  );
  return ok
    ? { verdict: 'repaired', detail: `${seen.detail}; repaired after ${Date.now() - t0} ms` }
    : { ...seen, detail: `${seen.detail}; not repaired within ${REPAIR_MS / 1000} s` };
}

function printMatrix(rows: Row[]): void {
  const table = rows.map((r) => {
    const actual = r.seen?.verdict ?? 'not run';
    return {
      point: r.point,
      actor: r.actor,
      attack: r.attack,
      expected: r.expected.join('|'),
      actual,
      ok: r.seen && r.expected.includes(r.seen.verdict) ? 'yes' : 'NO',
      detail: (r.seen?.detail ?? '').replace(/\s+/g, ' ').slice(0, 160),
    };
  });
  const cols = ['point', 'actor', 'attack', 'expected', 'actual', 'ok', 'detail'] as const;
  const width = (c: (typeof cols)[number]) => Math.max(c.length, ...table.map((t) => t[c].length));
  const line = (t: Record<(typeof cols)[number], string>) =>
    cols.map((c) => (c === 'detail' ? t[c] : t[c].padEnd(width(c)))).join('  ');
  const header = Object.fromEntries(cols.map((c) => [c, c])) as Record<(typeof cols)[number], string>;
  const byPoint = new Map<string, { ok: number; all: number }>();
  for (const t of table) {
    const p = byPoint.get(t.point) ?? { ok: 0, all: 0 };
    p.all++;
    if (t.ok === 'yes') p.ok++;
    byPoint.set(t.point, p);
  }
  const ok = table.filter((t) => t.ok === 'yes').length;
  const summary = [...byPoint].map(([p, n]) => `${p} ${n.ok}/${n.all}`).join(', ');
  console.info(
    [
      `attacker matrix (issue 9): ${ok}/${table.length} rows as expected (${summary})`,
      line(header),
      ...table.map(line),
    ].join('\n'),
  );
}

// --- Requests ----------------------------------------------------------------------------------

interface Writer {
  create(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  patch(
    type: ResourceType,
    name: string,
    ns: string | undefined,
    patch: unknown,
    sub?: string,
  ): Promise<unknown>;
  remove(type: ResourceType, name: string, ns?: string): Promise<unknown>;
}

/**
 * Writes as `client`, for real or as a dry run. Admission and authorization judge a dry run as
 * they would the real request, so attacks that need no later step leave nothing to undo.
 */
function writer(client: KubeClient, dryRun: boolean): Writer {
  const query = dryRun ? { dryRun: 'All' } : {};
  return {
    create: (type, obj) =>
      client.request('POST', resourcePath(type, { namespace: obj.metadata.namespace }), {
        query,
        body: withTypeMeta(type, obj),
      }),
    patch: (type, name, ns, patch, sub) =>
      client.request(
        'PATCH',
        resourcePath(type, { namespace: ns, name, ...(sub ? { subresource: sub } : {}) }),
        {
          query,
          body: patch,
          contentType: 'application/merge-patch+json',
        },
      ),
    remove: (type, name, ns) =>
      client.request('DELETE', resourcePath(type, { namespace: ns, name }), { query }),
  };
}
const dry = (u: CertUser) => writer(u.client, true);
const real = (u: CertUser) => writer(u.client, false);

/** Who the API server says the client is: works for anyone, so it tests only impersonation. */
function whoAmI(client: KubeClient): Promise<unknown> {
  return client.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
}

function bindPod(client: KubeClient, ns: string, pod: string, node: string): Promise<unknown> {
  return client.request('POST', `/api/v1/namespaces/${ns}/pods/${pod}/binding`, {
    body: {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    },
  });
}

/** Until RBAC lets the client do it (a new RoleBinding takes a moment to reach the authorizer). */
async function waitAllowed(client: KubeClient, attrs: Record<string, string>): Promise<void> {
  await waitFor(
    `RBAC to allow ${JSON.stringify(attrs)}`,
    async () => {
      const r = await client.request<{ status: { allowed: boolean } }>(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: attrs },
          },
        },
      );
      return r.status.allowed;
    },
    { timeoutMs: 5_000 },
  );
}

// --- Objects ---------------------------------------------------------------------------------

type PodObject = KubeObject & {
  spec: { nodeName?: string; containers: unknown[]; [field: string]: unknown };
  status?: { phase?: string };
};

const pauseImage = 'registry.k8s.io/pause:3.10';
const safeContainer = {
  name: 'main',
  image: pauseImage,
  securityContext: {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    runAsUser: 65532,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

function pod(namespace: string, name: string, spec: Record<string, unknown> = {}): PodObject {
  return { metadata: { name, namespace }, spec: { containers: [safeContainer], ...spec } };
}

function roleBinding(ns: string, roleKind: 'Role' | 'ClusterRole', role: string, user: string): AnyObject {
  return {
    metadata: { name: uniqueName('atk-binding'), namespace: ns },
    roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: user }],
  };
}

function role(ns: string, rules: unknown[]): AnyObject {
  return { metadata: { name: uniqueName('atk-role'), namespace: ns }, rules };
}

function poolAddOn(ns: string, node: string, nodes = 1): AddOn {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'AddOn',
    metadata: { name: 'pool', namespace: ns },
    spec: {
      type: 'DedicatedCompute',
      approval: { reason: 'noisy neighbours' },
      dedicatedCompute: { nodes, candidateSelector: { matchLabels: { 'kubernetes.io/hostname': node } } },
    },
  } as AddOn;
}

function archiveAddOn(ns: string, name: string, endpoint: string): AddOn {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'AddOn',
    metadata: { name, namespace: ns },
    spec: {
      type: 'AuditArchive',
      approval: { reason: 'the regulator asks for WORM' },
      auditArchive: {
        bucket: { endpoint, region: 'eu-west-1', name: 'audit', credentialsSecretRef: { name: 's3' } },
        retentionDays: 400,
      },
    },
  } as AddOn;
}

function entitlement(tenant: string, addOns: string[], dedicatedNodes: number): Entitlement {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Entitlement',
    metadata: { name: tenant },
    spec: {
      tenantRef: { name: tenant },
      plan: 'enterprise',
      allowedAddOns: addOns,
      quotas: { dedicatedNodes },
    },
  } as Entitlement;
}

/** Creates as the user once admission knows the tenant's Entitlement (its binding comes async). */
function admitted<T extends KubeObject>(u: CertUser, type: ResourceType, obj: T): Promise<T> {
  return waitFor(`${obj.metadata.name} to be admitted for ${u.name}`, () =>
    u.client.create<T>(type, obj).then(
      (o) => o,
      () => false,
    ),
  );
}

// --- Putting things back -----------------------------------------------------------------------

interface NamespaceState {
  labels: Record<string, string>;
  ownerReferences: unknown;
}

async function namespaceState(ns: string): Promise<NamespaceState> {
  const n = await admin.get<Namespace>(Builtin.Namespace, ns);
  return { labels: n.metadata.labels ?? {}, ownerReferences: n.metadata.ownerReferences ?? null };
}

/** Labels and owner references back as they were (as the operator), then the tenant Ready again. */
async function restoreNamespace(ns: string, before: NamespaceState, tenant: string): Promise<void> {
  const now = await namespaceState(ns);
  if (!deepEqual(now, before)) {
    const labels: Record<string, string | null> = { ...before.labels };
    for (const k of Object.keys(now.labels)) if (!(k in before.labels)) labels[k] = null;
    await op.patch(
      Builtin.Namespace,
      ns,
      undefined,
      { metadata: { labels, ownerReferences: before.ownerReferences } },
      'merge',
    );
  }
  await waitReady(admin, tenant, 30_000);
}

/** Snapshot now; undone after the row. Returns the snapshot for repair checks. */
async function keepNamespace(ns: string, tenant: string, undo: Undo): Promise<NamespaceState> {
  const before = await namespaceState(ns);
  undo(() => restoreNamespace(ns, before, tenant));
  return before;
}

const labelsBack = (ns: string, before: NamespaceState, keys: string[]) => async () => {
  const now = await namespaceState(ns);
  return keys.every((k) => now.labels[k] === before.labels[k]);
};

/** What of a Tenantry object matters to isolation. */
const essence = (o: AnyObject) => ({ spec: o.spec, subjects: o.subjects, roleRef: o.roleRef });

async function keepObject(type: ResourceType, name: string, ns: string, undo: Undo): Promise<AnyObject> {
  const before = await admin.get<AnyObject>(type, name, ns);
  undo(async () => {
    const now = await admin.find<AnyObject>(type, name, ns);
    if (now && deepEqual(essence(now), essence(before))) return;
    const { labels, ownerReferences } = before.metadata;
    await apply(op, type, {
      metadata: {
        name,
        namespace: ns,
        ...(labels ? { labels } : {}),
        ...(ownerReferences ? { ownerReferences } : {}),
      },
      ...Object.fromEntries(Object.entries(essence(before)).filter(([, v]) => v !== undefined)),
    });
  });
  return before;
}

const objectBack = (type: ResourceType, name: string, ns: string, before: AnyObject) => async () => {
  const now = await admin.find<AnyObject>(type, name, ns);
  return now !== undefined && deepEqual(essence(now), essence(before));
};

/** A pod no scheduler picks up, so a binding decides where it runs. */
async function pendingPod(u: CertUser, ns: string, undo: Undo): Promise<string> {
  const name = uniqueName('unbound');
  await u.client.create(Builtin.Pod, pod(ns, name, { schedulerName: 'tenantry-test-nobody' }));
  undo(() => admin.delete(Builtin.Pod, name, ns));
  return name;
}

/** Tenantry's guard rails of both tenants: namespace labels and owners, quota, limits, policies, bindings. */
async function guardRails(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const ns of [nsA, sysA, nsB, sysB]) {
    const { labels, ownerReferences } = await namespaceState(ns);
    // A pool that settles late (an eviction still running) may label the namespace later.
    const { [LABEL_POOL_NAMESPACE]: _pool, ...rest } = labels;
    out[`Namespace ${ns}`] = { labels: rest, ownerReferences };
    out[`RoleBinding ${ns}`] = essence(
      await admin.get<AnyObject>(Builtin.RoleBinding, 'tenantry-owners', ns),
    );
  }
  for (const ns of [nsA, nsB]) {
    for (const [type, name] of [
      [Builtin.ResourceQuota, 'tenantry-quota'],
      [Builtin.LimitRange, 'tenantry-defaults'],
      [Builtin.NetworkPolicy, 'tenantry-default-deny-ingress'],
    ] as const) {
      out[`${type.kind} ${ns}`] = essence(await admin.get<AnyObject>(type, name, ns));
    }
  }
  return out;
}

// --- Set-up ------------------------------------------------------------------------------------

const isFree = (n: Node) =>
  !n.spec?.unschedulable &&
  !(n.spec?.taints ?? []).length &&
  !Object.keys(n.metadata.labels ?? {}).some((k) => k === LABEL_POOL || k === LABEL_POOL_RESTRICTED) &&
  (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
  const saKc = await serviceAccountKubeConfig(
    admin,
    loadKubeConfig(inject('kubeconfig')),
    DEFAULT_NAMESPACE,
    OPERATOR_NAME,
  );
  op = await KubeClient.fromKubeConfig(saKc, { userAgent: 'tenantry-test-repair' });
  cast = await attackers(admin, { amy: [], erin: [] });
  ({ alice, amy, bob, carol, dave, erin } = cast);

  const free = (await admin.list<Node>(Builtin.Node)).items
    .filter(isFree)
    .map((n) => n.metadata.name ?? '')
    .sort();
  if (free.length < 3) throw new Error(`3 free Ready nodes needed, found ${free.join(', ') || 'none'}`);
  [nodeA = '', nodeB = '', nodeFree = ''] = free;
  [kubeletFree, kubeletPool] = await Promise.all([
    certificateUser(admin, `system:node:${nodeFree}`, ['system:nodes']),
    certificateUser(admin, `system:node:${nodeB}`, ['system:nodes']),
  ]);

  // Node-ops can cordon and label nodes, as such a team does (through nodes and nodes/status).
  await apply(admin, Builtin.ClusterRole, {
    metadata: { name: NODE_OPS_ROLE },
    rules: [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update'] },
    ],
  } as AnyObject);
  await apply(admin, Builtin.ClusterRoleBinding, {
    metadata: { name: NODE_OPS_ROLE },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: NODE_OPS_ROLE },
    subjects: [{ apiGroup: RBAC, kind: 'Group', name: NODE_OPS_GROUP }],
  } as AnyObject);

  await apply(
    admin,
    TenantResource,
    tenantManifest(A, { owners: [{ name: alice.name }, { name: amy.name }] }),
  );
  await apply(admin, TenantResource, tenantManifest(B, { owners: [{ name: bob.name }] }));
  await apply(admin, EntitlementResource, entitlement(A, ['DedicatedCompute', 'AuditArchive'], 5));
  await apply(admin, EntitlementResource, entitlement(B, ['DedicatedCompute'], 1));
  await Promise.all([waitReady(admin, A), waitReady(admin, B)]);

  // A Role in namespace X also covers the Namespace object X.
  await apply(admin, Builtin.Role, {
    metadata: { name: ERIN_ROLE, namespace: nsA },
    rules: [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['resourcequotas', 'limitranges'], verbs: ['get', 'patch', 'delete'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'patch', 'delete'] },
      { apiGroups: [RBAC], resources: ['rolebindings'], verbs: ['get', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods/binding'], verbs: ['create'] },
    ],
  } as AnyObject);
  await apply(admin, Builtin.RoleBinding, {
    metadata: { name: ERIN_ROLE, namespace: nsA },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: ERIN_ROLE },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: erin.name }],
  } as AnyObject);

  // Bob's pod runs on nodeA before A's pool asks for exactly that node.
  await bob.client.create(
    Builtin.Pod,
    pod(nsB, victim, { nodeSelector: { 'kubernetes.io/hostname': nodeA } }),
  );
  await waitFor(`bob's pod running on ${nodeA}`, async () => {
    const p = await admin.get<PodObject>(Builtin.Pod, victim, nsB);
    return p.status?.phase === 'Running' && p.spec.nodeName === nodeA;
  });
  await admitted(alice, AddOnResource, poolAddOn(sysA, nodeA));
  await admitted(bob, AddOnResource, poolAddOn(sysB, nodeB));
  await admitted(alice, AddOnResource, archiveAddOn(sysA, 'archive', 'https://s3.example.com'));
  await waitFor(`B's pool on ${nodeB}, its namespace pinned to it`, async () => {
    const a = await admin.get<AddOn>(AddOnResource, 'pool', sysB);
    const ns = await namespaceState(nsB);
    return a.status?.provisioned?.nodes?.includes(nodeB) && ns.labels[LABEL_POOL_NAMESPACE] === 'true';
  });
  await waitFor(`A's pool decided`, async () => {
    const a = await admin.get<AddOn>(AddOnResource, 'pool', sysA);
    return a.status?.observedGeneration === a.metadata.generation &&
      a.status?.conditions?.some((c) => c.type === 'Provisioned')
      ? a
      : false;
  });

  await alice.client.create(Builtin.Pod, pod(nsA, alicePod));
  await alice.client.create(Builtin.Secret, {
    metadata: { name: 'idp', namespace: sysA },
    stringData: { clientSecret: 'only-for-alice' },
  } as AnyObject);
  receipt = await waitFor('a receipt of A', async () => {
    const cms = await admin.list(Builtin.ConfigMap, {
      namespace: sysA,
      labelSelector: `${LABEL_EVIDENCE}=receipt`,
    });
    return cms.items[0]?.metadata.name;
  });
  await Promise.all([waitReady(admin, A), waitReady(admin, B)]);
  guardRailsAtStart = await guardRails();
});

afterAll(async () => {
  printMatrix(matrix);
  if (!admin) return;
  for (const t of [A, B]) await admin.delete(TenantResource, t).catch(() => {});
  await waitFor(
    'both tenants, their namespaces and add-ons to be gone',
    async () => !(await admin.find(TenantResource, A)) && !(await admin.find(TenantResource, B)),
    { timeoutMs: 120_000 },
  ).catch((e: unknown) => console.warn(errorText(e)));
  for (const t of [A, B]) await admin.delete(EntitlementResource, t).catch(() => {});
  await waitFor(
    'both Entitlements to be gone',
    async () => !(await admin.find(EntitlementResource, A)) && !(await admin.find(EntitlementResource, B)),
    { timeoutMs: 60_000 },
  ).catch((e: unknown) => console.warn(errorText(e)));
  const left = (await admin.list<Node>(Builtin.Node)).items.filter((n) =>
    [A, B].includes(n.metadata.labels?.[LABEL_POOL] ?? ''),
  );
  if (left.length) console.warn(`pool labels left on ${left.map((n) => n.metadata.name).join(', ')}`);
  await admin.delete(Builtin.ClusterRoleBinding, NODE_OPS_ROLE).catch(() => {});
  await admin.delete(Builtin.ClusterRole, NODE_OPS_ROLE).catch(() => {});
  await stopOperator();
  cast?.close();
  kubeletFree?.client.close();
  kubeletPool?.client.close();
  op?.close();
  admin.close();
});

// --- 9.1 Least privilege: RBAC -----------------------------------------------------------------

/** Rules an owner might grant herself. */
const RULES = {
  wildcard: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  namespacePatch: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'] }],
  escalateBind: [{ apiGroups: [RBAC], resources: ['roles', 'clusterroles'], verbs: ['escalate', 'bind'] }],
  impersonate: [
    { apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
  ],
  guardRails: [
    { apiGroups: [''], resources: ['resourcequotas', 'limitranges'], verbs: ['delete', 'patch'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete', 'patch'] },
  ],
  binding: [{ apiGroups: [''], resources: ['pods/binding'], verbs: ['create'] }],
};

describe('9.1 self-escalation through roles and bindings', () => {
  const roleRows: Array<[string, unknown[]]> = [
    ['a Role with a wildcard rule (*/*/*)', RULES.wildcard],
    ['a Role granting patch on her Namespace object', RULES.namespacePatch],
    ['a Role granting escalate and bind', RULES.escalateBind],
    ['a Role granting impersonate', RULES.impersonate],
    ['a Role granting delete/patch of quota, LimitRange, NetworkPolicies', RULES.guardRails],
    ['a Role granting pods/binding', RULES.binding],
  ];
  for (const [what, r] of roleRows) {
    attack('9.1', who.alice, what, 'refused', () =>
      attempt(() => dry(alice).create(Builtin.Role, role(nsA, r))),
    );
  }
  attack('9.1', who.alice, 'a Role granting what she holds (get/list pods): delegation', 'accepted', () =>
    attempt(() =>
      dry(alice).create(
        Builtin.Role,
        role(nsA, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]),
      ),
    ),
  );
  for (const cr of ['cluster-admin', 'admin', 'edit']) {
    attack('9.1', who.alice, `a RoleBinding of herself to ClusterRole ${cr}`, 'refused', () =>
      attempt(() => dry(alice).create(Builtin.RoleBinding, roleBinding(nsA, 'ClusterRole', cr, alice.name))),
    );
  }
  attack('9.1', who.alice, 'a RoleBinding of herself to tenant-owner in B’s namespace', 'refused', () =>
    attempt(() =>
      dry(alice).create(
        Builtin.RoleBinding,
        roleBinding(nsB, 'ClusterRole', CLUSTERROLE_TENANT_OWNER, alice.name),
      ),
    ),
  );
  attack('9.1', who.alice, 'a ClusterRoleBinding of herself to cluster-admin', 'refused', () =>
    attempt(() =>
      dry(alice).create(Builtin.ClusterRoleBinding, {
        metadata: { name: uniqueName('atk') },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: RBAC, kind: 'User', name: alice.name }],
      } as AnyObject),
    ),
  );
  attack('9.1', who.alice, 'a ClusterRole with a wildcard rule', 'refused', () =>
    attempt(() =>
      dry(alice).create(Builtin.ClusterRole, {
        metadata: { name: uniqueName('atk') },
        rules: RULES.wildcard,
      } as AnyObject),
    ),
  );
  attack(
    '9.1',
    who.alice,
    'self-grant patch on her Namespace, relabel it privileged, run a hostPID pod',
    'refused',
    async (undo) => {
      await keepNamespace(nsA, A, undo);
      const grant = selfGrant(
        alice,
        nsA,
        RULES.namespacePatch,
        { verb: 'patch', resource: 'namespaces', name: nsA },
        undo,
      );
      return podAfterRelabel(alice, grant);
    },
  );
  attack('9.1', who.alice, 'self-grant delete on the quota, then delete it', 'refused', async (undo) => {
    const grant = selfGrant(
      alice,
      nsA,
      RULES.guardRails,
      { verb: 'delete', resource: 'resourcequotas' },
      undo,
    );
    return chain(['quota'], ...grant, [
      'delete the quota',
      () => dry(alice).remove(Builtin.ResourceQuota, 'tenantry-quota', nsA),
    ]);
  });
  attack(
    'bar',
    who.bob,
    'self-grant patch on his Namespace and take A’s tenant label (past A’s NetworkPolicy)',
    'refused',
    async (undo) => {
      const before = await keepNamespace(nsB, B, undo);
      const grant = selfGrant(
        bob,
        nsB,
        RULES.namespacePatch,
        { verb: 'patch', resource: 'namespaces', name: nsB },
        undo,
      );
      const seen = await chain([LABEL_TENANT], ...grant, [
        'relabel',
        () =>
          real(bob).patch(Builtin.Namespace, nsB, undefined, { metadata: { labels: { [LABEL_TENANT]: A } } }),
      ]);
      return unlessRepaired(seen, labelsBack(nsB, before, [LABEL_TENANT]));
    },
  );
});

/** The steps of an owner granting herself `rules` in `ns` with a Role and a RoleBinding of her own. */
function selfGrant(
  u: CertUser,
  ns: string,
  rules: unknown[],
  check: Record<string, string>,
  undo: Undo,
): Step[] {
  const r = role(ns, rules);
  const b = roleBinding(ns, 'Role', r.metadata.name ?? '', u.name);
  return [
    [
      'create the Role',
      async () => {
        await u.client.create(Builtin.Role, r);
        undo(() => admin.delete(Builtin.Role, r.metadata.name ?? '', ns));
      },
    ],
    [
      'bind it to herself',
      async () => {
        await u.client.create(Builtin.RoleBinding, b);
        undo(() => admin.delete(Builtin.RoleBinding, b.metadata.name ?? '', ns));
      },
    ],
    ['wait for the grant', () => waitAllowed(u.client, { namespace: ns, ...check })],
  ];
}

/**
 * Relabels the namespace privileged after `before`, then tries hostPID pods for 3 s: repair
 * after the fact is a race an attacker can win.
 */
async function podAfterRelabel(u: CertUser, before: Step[]): Promise<Seen> {
  const seen = await chain([PSA_ENFORCE], ...before, [
    'relabel privileged',
    () =>
      real(u).patch(Builtin.Namespace, nsA, undefined, {
        metadata: { labels: { [PSA_ENFORCE]: 'privileged' } },
      }),
  ]);
  if (seen.verdict !== 'accepted') return seen;
  const t0 = Date.now();
  const admittedPod = await waitFor(
    'a hostPID pod admitted',
    () =>
      dry(u)
        .create(Builtin.Pod, pod(nsA, 'host-pid', { hostPID: true }))
        .then(
          () => true,
          () => false,
        ),
    { timeoutMs: 3_000 },
  ).then(
    () => true,
    () => false,
  );
  return admittedPod
    ? {
        verdict: 'accepted',
        detail: `relabelled privileged; a hostPID pod admitted ${Date.now() - t0} ms later`,
      }
    : {
        verdict: 'repaired',
        detail: 'relabelled privileged, but hostPID pods were refused for the next 3 s',
      };
}

// --- 9.1 / 9.2 The Namespace object ------------------------------------------------------------

describe('9.1 the Namespace object of her own namespace', () => {
  const edits: Array<[string, Record<string, string | null>]> = [
    ['drop tenantry.dev/tenant', { [LABEL_TENANT]: null }],
    ['Pod Security enforce=privileged', { [PSA_ENFORCE]: 'privileged' }],
    ['drop Pod Security enforce', { [PSA_ENFORCE]: null }],
    ['claim another region', { [LABEL_REGION]: 'us-east-1' }],
    ['take the other tenant’s label', { [LABEL_TENANT]: B }],
    ['tenantry.dev/node-agents=true (pool exemption)', { [LABEL_NODE_AGENTS]: 'true' }],
    ['point tenantry.dev/entitlement at B’s', { [LABEL_ENTITLEMENT]: B }],
    ['flip tenantry.dev/dedicated-pool (leave the pool)', { [LABEL_POOL_NAMESPACE]: 'false' }],
    ['namespace-role=system (add-ons in a workload namespace)', { [LABEL_NAMESPACE_ROLE]: 'system' }],
    ['drop app.kubernetes.io/managed-by', { [LABEL_MANAGED_BY]: null }],
    ['policy-profile=regulated', { [LABEL_PROFILE]: 'regulated' }],
  ];
  for (const [what, labels] of edits) {
    const keys = Object.keys(labels);
    const patch = { metadata: { labels } };
    attack('9.1', who.alice, what, 'refused', () =>
      attempt(() => dry(alice).patch(Builtin.Namespace, nsA, undefined, patch), ...keys),
    );
    attack('9.1', who.erin, what, 'refused', async (undo) => {
      const before = await keepNamespace(nsA, A, undo);
      const seen = await attempt(() => real(erin).patch(Builtin.Namespace, nsA, undefined, patch), ...keys);
      return unlessRepaired(seen, labelsBack(nsA, before, keys));
    });
  }
  attack('9.1', who.erin, 'relabel privileged and at once run a hostPID pod', 'refused', async (undo) => {
    await keepNamespace(nsA, A, undo);
    return podAfterRelabel(erin, []);
  });

  const ownerEdits: Array<[string, () => Promise<unknown>]> = [
    ['drop the ownerReferences of her namespace', async () => ({ metadata: { ownerReferences: null } })],
    [
      'hand her namespace to B (ownerReference to Tenant B)',
      async () => ({
        metadata: {
          ownerReferences: [controllerRef(TenantResource, await admin.get<Tenant>(TenantResource, B))],
        },
      }),
    ],
  ];
  for (const [what, patchOf] of ownerEdits) {
    attack('9.2', who.alice, what, 'refused', async () =>
      attempt(async () => dry(alice).patch(Builtin.Namespace, nsA, undefined, await patchOf()), 'owner'),
    );
    attack('9.2', who.erin, what, ['refused', 'repaired'], async (undo) => {
      const before = await keepNamespace(nsA, A, undo);
      const patch = await patchOf();
      const seen = await attempt(() => real(erin).patch(Builtin.Namespace, nsA, undefined, patch), 'owner');
      return unlessRepaired(seen, async () =>
        deepEqual((await namespaceState(nsA)).ownerReferences, before.ownerReferences),
      );
    });
  }
  attack(
    '9.2',
    who.admin,
    'drops tenantry.dev/tenant: restored, not abandoned',
    ['repaired', 'refused'],
    async (undo) => {
      const before = await keepNamespace(nsA, A, undo);
      const seen = await attempt(
        () =>
          writer(admin, false).patch(Builtin.Namespace, nsA, undefined, {
            metadata: { labels: { [LABEL_TENANT]: null } },
          }),
        LABEL_TENANT,
      );
      return unlessRepaired(seen, async () => {
        const back = await labelsBack(nsA, before, [LABEL_TENANT])();
        const t = await admin.get<Tenant>(TenantResource, A);
        return back && t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      });
    },
  );
  attack('9.1', who.alice, 'delete her own namespace', 'refused', () =>
    attempt(() => dry(alice).remove(Builtin.Namespace, nsA)),
  );
});

// --- 9.1 Tenantry's objects in her namespace ---------------------------------------------------

describe('9.1 the quota, LimitRange, NetworkPolicies and RoleBinding Tenantry made', () => {
  const guarded: Array<[string, ResourceType, string, 'delete' | Record<string, unknown>, string[]]> = [
    ['delete the ResourceQuota', Builtin.ResourceQuota, 'tenantry-quota', 'delete', ['quota']],
    [
      'raise the ResourceQuota (pods: 100000)',
      Builtin.ResourceQuota,
      'tenantry-quota',
      { spec: { hard: { pods: '100000' } } },
      ['quota', 'spec.hard'],
    ],
    [
      'delete the LimitRange',
      Builtin.LimitRange,
      'tenantry-defaults',
      'delete',
      ['limitrange', 'limit range'],
    ],
    [
      'loosen the LimitRange (no defaults, 64 CPUs)',
      Builtin.LimitRange,
      'tenantry-defaults',
      { spec: { limits: [{ type: 'Container', max: { cpu: '64', memory: '256Gi' } }] } },
      ['limitrange', 'limit range', 'spec.limits'],
    ],
    [
      'delete the ingress NetworkPolicy',
      Builtin.NetworkPolicy,
      'tenantry-default-deny-ingress',
      'delete',
      ['networkpolic', 'network polic'],
    ],
    [
      'open the ingress NetworkPolicy to all',
      Builtin.NetworkPolicy,
      'tenantry-default-deny-ingress',
      { spec: { ingress: [{}] } },
      ['networkpolic', 'network polic', 'spec.ingress'],
    ],
    [
      'delete the owners’ RoleBinding',
      Builtin.RoleBinding,
      'tenantry-owners',
      'delete',
      ['rolebinding', 'binding'],
    ],
  ];
  for (const [what, type, name, change, hints] of guarded) {
    const write = (w: Writer) =>
      change === 'delete' ? w.remove(type, name, nsA) : w.patch(type, name, nsA, change);
    attack('9.1', who.alice, what, 'refused', () => attempt(() => write(dry(alice)), ...hints));
    attack('9.1', who.erin, what, 'refused', async (undo) => {
      const before = await keepObject(type, name, nsA, undo);
      const seen = await attempt(() => write(real(erin)), ...hints);
      return unlessRepaired(seen, objectBack(type, name, nsA, before));
    });
  }
  attack('9.1', who.alice, 'add carol to the owners’ RoleBinding', 'refused', async () => {
    const rb = await admin.get<AnyObject & { subjects: unknown[] }>(
      Builtin.RoleBinding,
      'tenantry-owners',
      nsA,
    );
    const subjects = [...rb.subjects, { apiGroup: RBAC, kind: 'User', name: carol.name }];
    return attempt(
      () => dry(alice).patch(Builtin.RoleBinding, 'tenantry-owners', nsA, { subjects }),
      'rolebinding',
      'subjects',
    );
  });
  attack('9.1', who.alice, 'create an allow-all NetworkPolicy', 'refused', () =>
    attempt(() =>
      dry(alice).create(Builtin.NetworkPolicy, {
        metadata: { name: 'allow-all', namespace: nsA },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
      } as AnyObject),
    ),
  );
});

// --- 9.1 Pod Security --------------------------------------------------------------------------

describe('9.1 host access from a pod', () => {
  const unsafe: Array<[string, Record<string, unknown>]> = [
    ['a hostPID pod', { hostPID: true }],
    ['a hostNetwork pod', { hostNetwork: true }],
    ['a hostIPC pod', { hostIPC: true }],
    [
      'a hostPath pod (/)',
      {
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
        containers: [{ ...safeContainer, volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
      },
    ],
    [
      'a privileged pod',
      { containers: [{ name: 'main', image: pauseImage, securityContext: { privileged: true } }] },
    ],
    [
      'a pod adding SYS_ADMIN',
      {
        containers: [
          { name: 'main', image: pauseImage, securityContext: { capabilities: { add: ['SYS_ADMIN'] } } },
        ],
      },
    ],
    [
      'a pod with a hostPort',
      { containers: [{ ...safeContainer, ports: [{ containerPort: 80, hostPort: 80 }] }] },
    ],
  ];
  for (const [what, spec] of unsafe) {
    attack('9.1', who.alice, what, 'refused', () =>
      attempt(() => dry(alice).create(Builtin.Pod, pod(nsA, uniqueName('unsafe'), spec))),
    );
  }
  attack('9.1', who.alice, 'a privileged pod in her system namespace', 'refused', () =>
    attempt(() =>
      dry(alice).create(
        Builtin.Pod,
        pod(sysA, 'unsafe', {
          containers: [{ name: 'main', image: pauseImage, securityContext: { privileged: true } }],
        }),
      ),
    ),
  );
  attack('9.1', who.alice, 'a plain pod in her namespace', 'accepted', () =>
    attempt(() => dry(alice).create(Builtin.Pod, pod(nsA, uniqueName('ok')))),
  );
});

// --- 9.1 Impersonation, namespaces --------------------------------------------------------------

describe('9.1 impersonation and new namespaces', () => {
  const impersonations: Array<[string, string, () => CertUser, () => { user: string; groups?: string[] }]> = [
    [
      who.alice,
      'impersonate system:admin in system:masters',
      () => alice,
      () => ({ user: 'system:admin', groups: ['system:masters'] }),
    ],
    [who.alice, 'impersonate bob', () => alice, () => ({ user: bob.name })],
    [
      who.alice,
      'impersonate a ServiceAccount of her namespace',
      () => alice,
      () => ({ user: `system:serviceaccount:${nsA}:default` }),
    ],
    [
      who.alice,
      'impersonate the operator',
      () => alice,
      () => ({ user: `system:serviceaccount:${DEFAULT_NAMESPACE}:${OPERATOR_NAME}` }),
    ],
    [who.carol, 'impersonate alice', () => carol, () => ({ user: alice.name })],
    [
      who.dave,
      'impersonate a kubelet',
      () => dave,
      () => ({ user: `system:node:${nodeFree}`, groups: ['system:nodes'] }),
    ],
  ];
  for (const [actor, what, u, as] of impersonations) {
    attack('9.1', actor, what, 'refused', () => attempt(() => whoAmI(u().client.as(as()))));
  }
  const namespaces: Array<[string, string, () => CertUser, string]> = [
    [who.alice, 'create a namespace named like her own', () => alice, `${A}-extra`],
    [who.bob, 'create the system namespace of a future tenant', () => bob, `${uniqueName('future')}-system`],
    [who.carol, 'create a namespace', () => carol, uniqueName('carol')],
    [who.dave, 'create a namespace', () => dave, uniqueName('dave')],
  ];
  for (const [actor, what, u, name] of namespaces) {
    attack('9.1', actor, what, 'refused', () =>
      attempt(() => dry(u()).create(Builtin.Namespace, { metadata: { name } })),
    );
  }
});

// --- The bar: nothing of A reachable or changeable from B --------------------------------------

describe('bar: the other tenant’s objects', () => {
  const intoA: Array<[string, (u: CertUser) => Promise<unknown>]> = [
    ['get A’s namespace', (u) => u.client.get(Builtin.Namespace, nsA)],
    ['list pods in A’s namespace', (u) => u.client.list(Builtin.Pod, { namespace: nsA })],
    ['get A’s pod', (u) => u.client.get(Builtin.Pod, alicePod, nsA)],
    ['create a pod in A’s namespace', (u) => dry(u).create(Builtin.Pod, pod(nsA, 'intruder'))],
    ['delete A’s pod', (u) => dry(u).remove(Builtin.Pod, alicePod, nsA)],
    [
      'exec into A’s pod',
      (u) =>
        u.client.request('POST', `/api/v1/namespaces/${nsA}/pods/${alicePod}/exec`, {
          query: { command: 'sh', stdout: true },
        }),
    ],
    ['list Secrets in A’s system namespace', (u) => u.client.list(Builtin.Secret, { namespace: sysA })],
    ['read A’s IdP client secret', (u) => u.client.get(Builtin.Secret, 'idp', sysA)],
    [
      'create a Secret in A’s system namespace',
      (u) => dry(u).create(Builtin.Secret, { metadata: { name: 'planted', namespace: sysA } }),
    ],
    ['list A’s receipts', (u) => u.client.list(Builtin.ConfigMap, { namespace: sysA })],
    ['read one of A’s receipts', (u) => u.client.get(Builtin.ConfigMap, receipt, sysA)],
    [
      'overwrite one of A’s receipts',
      (u) => dry(u).patch(Builtin.ConfigMap, receipt, sysA, { data: { forged: 'true' } }),
    ],
    ['list A’s add-ons', (u) => u.client.list(AddOnResource, { namespace: sysA })],
    [
      'approve A’s add-on',
      (u) => dry(u).patch(AddOnResource, 'pool', sysA, { spec: { approval: { reason: 'bob says yes' } } }),
    ],
    [
      'create an add-on in A’s system namespace',
      (u) => dry(u).create(AddOnResource, archiveAddOn(sysA, 'planted', 'https://s3.example.com')),
    ],
    ['list RoleBindings in A’s namespace', (u) => u.client.list(Builtin.RoleBinding, { namespace: nsA })],
    [
      'bind himself to tenant-owner in A’s namespace',
      (u) =>
        dry(u).create(Builtin.RoleBinding, roleBinding(nsA, 'ClusterRole', CLUSTERROLE_TENANT_OWNER, u.name)),
    ],
    ['list Events in A’s namespace', (u) => u.client.list(Builtin.Event, { namespace: nsA })],
    ['read A’s ResourceQuota', (u) => u.client.get(Builtin.ResourceQuota, 'tenantry-quota', nsA)],
    ['get Tenant A', (u) => u.client.get(TenantResource, A)],
    [
      'add himself to Tenant A’s owners',
      async (u) =>
        dry(u).patch(TenantResource, A, undefined, {
          spec: { owners: [...(await admin.get<Tenant>(TenantResource, A)).spec.owners, { name: u.name }] },
        }),
    ],
    ['delete Tenant A', (u) => dry(u).remove(TenantResource, A)],
    ['get A’s Entitlement', (u) => u.client.get(EntitlementResource, A)],
    [
      'widen A’s Entitlement',
      (u) => dry(u).patch(EntitlementResource, A, undefined, { spec: { plan: 'free' } }),
    ],
  ];
  for (const [what, fn] of intoA) attack('bar', who.bob, what, 'refused', () => attempt(() => fn(bob)));

  const intoB: Array<[string, (u: CertUser) => Promise<unknown>]> = [
    ['get B’s namespace', (u) => u.client.get(Builtin.Namespace, nsB)],
    ['list pods in B’s namespace', (u) => u.client.list(Builtin.Pod, { namespace: nsB })],
    ['list Secrets in B’s system namespace', (u) => u.client.list(Builtin.Secret, { namespace: sysB })],
    ['list B’s receipts', (u) => u.client.list(Builtin.ConfigMap, { namespace: sysB })],
    ['list B’s add-ons', (u) => u.client.list(AddOnResource, { namespace: sysB })],
    ['delete B’s pool add-on', (u) => dry(u).remove(AddOnResource, 'pool', sysB)],
    ['get Tenant B', (u) => u.client.get(TenantResource, B)],
    ['delete Tenant B', (u) => dry(u).remove(TenantResource, B)],
    [
      'patch B’s Entitlement',
      (u) => dry(u).patch(EntitlementResource, B, undefined, { spec: { plan: 'free' } }),
    ],
  ];
  for (const [what, fn] of intoB) attack('bar', who.alice, what, 'refused', () => attempt(() => fn(alice)));
});

// --- 9.1 Tenants and Entitlements ----------------------------------------------------------------

describe('9.1 Tenant and Entitlement objects', () => {
  const ownersPlus = async (name: string) => [
    ...(await admin.get<Tenant>(TenantResource, A)).spec.owners,
    { name },
  ];
  const rows: Array<[string, string, () => CertUser, (u: CertUser) => Promise<unknown>]> = [
    [
      who.alice,
      'create a Tenant',
      () => alice,
      (u) => dry(u).create(TenantResource, tenantManifest(uniqueName('atk-new'))),
    ],
    [
      who.alice,
      'add carol to her own Tenant’s owners',
      () => alice,
      async (u) =>
        dry(u).patch(TenantResource, A, undefined, { spec: { owners: await ownersPlus(carol.name) } }),
    ],
    [
      who.alice,
      'raise her own Tenant’s quota',
      () => alice,
      (u) => dry(u).patch(TenantResource, A, undefined, { spec: { quota: { hard: { pods: '100000' } } } }),
    ],
    [who.alice, 'delete her own Tenant', () => alice, (u) => dry(u).remove(TenantResource, A)],
    [
      who.alice,
      'mark her own Tenant Ready (tenants/status)',
      () => alice,
      (u) =>
        dry(u).patch(
          TenantResource,
          A,
          undefined,
          { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Forged', message: '' }] } },
          'status',
        ),
    ],
    [
      who.alice,
      'create a second Entitlement for her tenant',
      () => alice,
      (u) =>
        dry(u).create(EntitlementResource, {
          ...entitlement(A, ['DedicatedCompute', 'AuditArchive'], 50),
          metadata: { name: uniqueName(A) },
        }),
    ],
    [
      who.alice,
      'raise her own Entitlement’s dedicated nodes',
      () => alice,
      (u) => dry(u).patch(EntitlementResource, A, undefined, { spec: { quotas: { dedicatedNodes: 50 } } }),
    ],
    [who.alice, 'delete her own Entitlement', () => alice, (u) => dry(u).remove(EntitlementResource, A)],
    [
      who.alice,
      'rewrite her own Entitlement’s usage (entitlements/status)',
      () => alice,
      (u) => dry(u).patch(EntitlementResource, A, undefined, { status: { usage: { nodes: '0' } } }, 'status'),
    ],
    [who.carol, 'list Tenants (every owner’s address)', () => carol, (u) => u.client.list(TenantResource)],
    [
      who.carol,
      'create a Tenant',
      () => carol,
      (u) => dry(u).create(TenantResource, tenantManifest(uniqueName('atk-new'))),
    ],
    [who.carol, 'list Entitlements', () => carol, (u) => u.client.list(EntitlementResource)],
  ];
  for (const [actor, what, u, fn] of rows)
    attack('9.1', actor, what, 'refused', () => attempt(() => fn(u())));
});

// --- 9.4 Approvals -------------------------------------------------------------------------------

describe('9.4 approvals bound to what they approve', () => {
  attack('9.4', who.alice, 'create an add-on with a forged approved-by', ['refused', 'stamped'], async () => {
    const forged = archiveAddOn(sysA, uniqueName('forged'), 'https://s3.example.com');
    forged.metadata.annotations = { [ANNOTATION_APPROVED_BY]: 'platform-admin' };
    try {
      const made = await dry(alice).create(AddOnResource, forged);
      const by = made.metadata.annotations?.[ANNOTATION_APPROVED_BY];
      return by === alice.name
        ? { verdict: 'stamped', detail: `approved-by stamped with ${by}` }
        : { verdict: 'accepted', detail: `approved-by kept as ${by}` };
    } catch (e) {
      return judge(e, [ANNOTATION_APPROVED_BY, 'approv']);
    }
  });
  const changes: Array<[string, string, () => Record<string, unknown>]> = [
    [
      'raise the approved pool from 1 to 5 nodes',
      'pool',
      () => ({ spec: { dedicatedCompute: { nodes: 5 } } }),
    ],
    [
      'point the approved archive at another endpoint',
      'archive',
      () => ({ spec: { auditArchive: { bucket: { endpoint: 'https://s3.elsewhere.example' } } } }),
    ],
    [
      'put her own name in approved-by',
      'pool',
      () => ({ metadata: { annotations: { [ANNOTATION_APPROVED_BY]: amy.name } } }),
    ],
    ['remove approved-by', 'pool', () => ({ metadata: { annotations: { [ANNOTATION_APPROVED_BY]: null } } })],
  ];
  for (const [what, name, patch] of changes) {
    attack('9.4', who.amy, `${what} without a new approval`, 'refused', () =>
      attempt(() => dry(amy).patch(AddOnResource, name, sysA, patch()), 'approv'),
    );
  }
  attack('9.4', who.amy, 'raise the pool to 2 nodes with an approval of her own', 'stamped', async () => {
    try {
      const changed = (await dry(amy).patch(AddOnResource, 'pool', sysA, {
        spec: { dedicatedCompute: { nodes: 2 }, approval: { reason: 'amy approves two nodes' } },
      })) as KubeObject;
      const by = changed.metadata.annotations?.[ANNOTATION_APPROVED_BY];
      return by === amy.name
        ? { verdict: 'stamped', detail: `approved-by stamped with ${by}` }
        : { verdict: 'accepted', detail: `approved-by is ${by}` };
    } catch (e) {
      return judge(e, ['approv']);
    }
  });
  attack('9.4', who.alice, 'write status.approval.approvedBy (addons/status)', 'refused', () =>
    attempt(() =>
      dry(alice).patch(
        AddOnResource,
        'pool',
        sysA,
        { status: { approval: { approvedBy: 'platform-admin' } } },
        'status',
      ),
    ),
  );
  attack('9.4', who.alice, 'an add-on in her workload namespace', 'refused', () =>
    attempt(
      () => dry(alice).create(AddOnResource, archiveAddOn(nsA, 'misplaced', 'https://s3.example.com')),
      'system namespace',
    ),
  );
  attack('9.4', who.carol, 'an add-on in A’s system namespace', 'refused', () =>
    attempt(() => dry(carol).create(AddOnResource, archiveAddOn(sysA, 'planted', 'https://s3.example.com'))),
  );
});

// --- 9.9 Archive endpoints -----------------------------------------------------------------------

describe('9.9 archive endpoints the operator would call', () => {
  const endpoints = [
    'http://s3.example.com',
    'https://127.0.0.1:9000',
    'https://localhost',
    'https://[::1]:9000',
    'https://169.254.169.254',
    'https://10.0.0.1',
    'https://kubernetes.default.svc',
    'https://tenantry.tenantry-system.svc.cluster.local:8081',
  ];
  for (const endpoint of endpoints) {
    attack('9.9', who.alice, `an archive at ${endpoint}`, 'refused', () =>
      attempt(
        () => dry(alice).create(AddOnResource, archiveAddOn(sysA, uniqueName('arc'), endpoint)),
        'endpoint',
      ),
    );
  }
  attack('9.9', who.alice, 'an archive at https://s3.example.com', 'accepted', () =>
    attempt(() =>
      dry(alice).create(AddOnResource, archiveAddOn(sysA, uniqueName('arc'), 'https://s3.example.com')),
    ),
  );
});

// --- 9.5 Exclusive pools -------------------------------------------------------------------------

describe('9.5 exclusive pools', () => {
  attack(
    '9.5',
    who.bob,
    'his pod already on the node A’s pool reserves',
    ['evicted', 'not-chosen'],
    async () => {
      const t0 = Date.now();
      const outcome = await waitFor(
        `bob's pod off ${nodeA}, or ${nodeA} not in A's pool`,
        async (): Promise<Seen | false> => {
          const p = await admin.find<PodObject>(Builtin.Pod, victim, nsB);
          if (!p || p.metadata.deletionTimestamp || p.spec.nodeName !== nodeA) {
            return { verdict: 'evicted', detail: `bob's pod left ${nodeA} after ${Date.now() - t0} ms` };
          }
          const a = await admin.get<AddOn>(AddOnResource, 'pool', sysA);
          const provisioned = a.status?.conditions?.find((c) => c.type === 'Provisioned');
          if (provisioned?.status === 'False' && !a.status?.provisioned?.nodes?.includes(nodeA)) {
            return { verdict: 'not-chosen', detail: `${provisioned.reason}: ${provisioned.message}` };
          }
          return false;
        },
        { timeoutMs: EVICTION_MS },
      ).catch(() => undefined);
      return (
        outcome ?? {
          verdict: 'accepted',
          detail: `bob's pod still runs on ${nodeA}, reserved for A, after ${EVICTION_MS / 1000} s`,
        }
      );
    },
  );
  const podAttacks: Array<[string, () => Record<string, unknown>]> = [
    ['a pod on B’s pool node by spec.nodeName', () => ({ nodeName: nodeB })],
    [
      'a pod tolerating and selecting B’s pool',
      () => ({
        tolerations: [{ key: TAINT_POOL, operator: 'Equal', value: B, effect: 'NoSchedule' }],
        nodeSelector: { [LABEL_POOL_RESTRICTED]: B },
      }),
    ],
    ['a pod tolerating every taint', () => ({ tolerations: [{ operator: 'Exists' }] })],
    [
      'a pod with affinity to B’s pool node and any pool toleration',
      () => ({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeB] }] },
              ],
            },
          },
        },
        tolerations: [{ key: TAINT_POOL, operator: 'Exists' }],
      }),
    ],
  ];
  for (const [what, spec] of podAttacks) {
    attack('9.5', who.alice, what, 'refused', () =>
      attempt(
        () => dry(alice).create(Builtin.Pod, pod(nsA, uniqueName('pool'), spec())),
        'toleration',
        'nodeName',
        'pool',
      ),
    );
  }
  attack('9.5', who.bob, 'a pod tolerating and selecting A’s pool', 'refused', () =>
    attempt(
      () =>
        dry(bob).create(
          Builtin.Pod,
          pod(nsB, uniqueName('pool'), {
            tolerations: [{ key: TAINT_POOL, operator: 'Equal', value: A, effect: 'NoSchedule' }],
            nodeSelector: { [LABEL_POOL_RESTRICTED]: A },
          }),
        ),
      'toleration',
      'pool',
    ),
  );
  const bindHints = ['binding', 'pool', 'dedicated'];
  attack('9.5', who.alice, 'bind her pod to B’s pool node (pods/binding)', 'refused', async (undo) => {
    const p = await pendingPod(alice, nsA, undo);
    return attempt(() => bindPod(alice.client, nsA, p, nodeB), ...bindHints);
  });
  attack(
    '9.5',
    who.alice,
    'self-grant pods/binding, bind her pod to B’s pool node',
    'refused',
    async (undo) => {
      const p = await pendingPod(alice, nsA, undo);
      const grant = selfGrant(
        alice,
        nsA,
        RULES.binding,
        { verb: 'create', resource: 'pods', subresource: 'binding' },
        undo,
      );
      return chain(bindHints, ...grant, ['bind the pod', () => bindPod(alice.client, nsA, p, nodeB)]);
    },
  );
  attack('9.5', who.erin, 'bind a pod to B’s pool node (pods/binding)', 'refused', async (undo) => {
    const p = await pendingPod(erin, nsA, undo);
    return attempt(() => bindPod(erin.client, nsA, p, nodeB), ...bindHints);
  });
});

describe('9.5 / 9.9 pool nodes', () => {
  const poolLabelsOff = () => ({
    metadata: { labels: { [LABEL_POOL]: null, [LABEL_POOL_RESTRICTED]: null } },
  });
  const intoPoolA = () => ({ metadata: { labels: { [LABEL_POOL]: A, [LABEL_POOL_RESTRICTED]: A } } });
  const untainted = async () => {
    const taints: NodeTaint[] = (await admin.get<Node>(Builtin.Node, nodeB)).spec?.taints ?? [];
    return { spec: { taints: taints.filter((t) => t.key !== TAINT_POOL) } };
  };
  const hints = ['label', 'taint', 'annotation', LABEL_POOL, LABEL_POOL_RESTRICTED];
  type NodeRow = [string, string, string, () => CertUser, () => string, () => unknown, string?];
  const rows: NodeRow[] = [
    ['9.5', who.dave, 'drop the pool labels of B’s pool node', () => dave, () => nodeB, poolLabelsOff],
    [
      '9.5',
      who.dave,
      'drop the pool labels of B’s pool node (nodes/status)',
      () => dave,
      () => nodeB,
      poolLabelsOff,
      'status',
    ],
    ['9.5', who.dave, 'remove the pool taint of B’s pool node', () => dave, () => nodeB, untainted],
    ['9.5', who.dave, 'label a free node into A’s pool', () => dave, () => nodeFree, intoPoolA],
    [
      '9.5',
      who.dave,
      'label a free node into A’s pool (nodes/status)',
      () => dave,
      () => nodeFree,
      intoPoolA,
      'status',
    ],
    [
      '9.5',
      who.dave,
      'taint a free node as A’s pool',
      () => dave,
      () => nodeFree,
      () => ({ spec: { taints: [{ key: TAINT_POOL, value: A, effect: 'NoSchedule' }] } }),
    ],
    [
      '9.5',
      who.dave,
      'move the reservation start of B’s pool node (nodes/status)',
      () => dave,
      () => nodeB,
      () => ({ metadata: { annotations: { [ANNOTATION_RESERVED_SINCE]: '2020-01-01T00:00:00Z' } } }),
      'status',
    ],
    [
      '9.9',
      `${who.kubelet} (free node)`,
      'label itself into A’s pool (nodes/status)',
      () => kubeletFree,
      () => nodeFree,
      intoPoolA,
      'status',
    ],
    [
      '9.9',
      `${who.kubelet} (free node)`,
      'label itself into A’s pool',
      () => kubeletFree,
      () => nodeFree,
      intoPoolA,
    ],
    [
      '9.9',
      `${who.kubelet} (B’s pool)`,
      'drop its own pool labels (nodes/status)',
      () => kubeletPool,
      () => nodeB,
      poolLabelsOff,
      'status',
    ],
    [
      '9.9',
      `${who.kubelet} (B’s pool)`,
      'remove its own pool taint',
      () => kubeletPool,
      () => nodeB,
      untainted,
    ],
    ['9.5', who.alice, 'drop the pool labels of B’s pool node', () => alice, () => nodeB, poolLabelsOff],
    [
      '9.5',
      who.alice,
      'drop the pool labels of B’s pool node (nodes/status)',
      () => alice,
      () => nodeB,
      poolLabelsOff,
      'status',
    ],
  ];
  for (const [point, actor, what, u, node, patch, sub] of rows) {
    attack(point, actor, what, 'refused', () =>
      attempt(async () => dry(u()).patch(Builtin.Node, node(), undefined, await patch(), sub), ...hints),
    );
  }
  attack('9.5', who.dave, 'cordon a free node', 'accepted', () =>
    attempt(() => dry(dave).patch(Builtin.Node, nodeFree, undefined, { spec: { unschedulable: true } })),
  );
  attack('9.5', who.dave, 'label a free node example.com/rack=r1', 'accepted', () =>
    attempt(() =>
      dry(dave).patch(Builtin.Node, nodeFree, undefined, {
        metadata: { labels: { 'example.com/rack': 'r1' } },
      }),
    ),
  );
  attack('9.5', who.dave, 'label A’s namespace tenantry.dev/node-agents=true', 'refused', () =>
    attempt(
      () =>
        dry(dave).patch(Builtin.Namespace, nsA, undefined, {
          metadata: { labels: { [LABEL_NODE_AGENTS]: 'true' } },
        }),
      LABEL_NODE_AGENTS,
    ),
  );
});

// --- 9.1 Certificate signing requests ------------------------------------------------------------

describe('9.1 certificate signing requests', () => {
  const csrFor = async (
    cn: string,
    groups: string[],
    signer?: string,
  ): Promise<CertificateSigningRequest> => {
    const key = await pemKeyPair('ec');
    const csr = clientCsr(uniqueName('atk-csr'), await certificateRequest(key.privateKey, cn, groups));
    if (signer) csr.spec = { ...csr.spec, signerName: signer, usages: ['digital signature', 'client auth'] };
    return csr;
  };
  attack('9.1', who.alice, 'request a system:masters client certificate', 'refused', () =>
    attempt(async () =>
      dry(alice).create(CertificateSigningRequestResource, await csrFor('system:admin', ['system:masters'])),
    ),
  );
  attack('9.1', who.alice, 'request a kubelet client certificate', 'refused', () =>
    attempt(async () =>
      dry(alice).create(
        CertificateSigningRequestResource,
        await csrFor(
          `system:node:${nodeFree}`,
          ['system:nodes'],
          'kubernetes.io/kube-apiserver-client-kubelet',
        ),
      ),
    ),
  );
  attack('9.1', who.alice, 'approve a pending request of another user', 'refused', async (undo) => {
    // The API server itself refuses system:masters for this signer, even from an admin.
    const csr = await csrFor('mallory', ['tenantry:platform-admins']);
    const made = await admin.create(CertificateSigningRequestResource, csr);
    undo(() => admin.delete(CertificateSigningRequestResource, made.metadata.name ?? ''));
    return attempt(() => approveCsr(alice.client, made));
  });
  attack('9.1', who.bob, 'list certificate signing requests', 'refused', () =>
    attempt(() => bob.client.list(CertificateSigningRequestResource)),
  );
  attack('9.1', who.carol, 'request a client certificate', 'refused', () =>
    attempt(async () => dry(carol).create(CertificateSigningRequestResource, await csrFor('carol-2', []))),
  );
  attack('9.1', who.dave, 'request a client certificate', 'refused', () =>
    attempt(async () =>
      dry(dave).create(CertificateSigningRequestResource, await csrFor('dave-2', ['system:masters'])),
    ),
  );
});

// --- 9.1 The plain user and node-ops -------------------------------------------------------------

describe('9.1 the plain user and node-ops', () => {
  const signingKey = (u: CertUser) => u.client.get(Builtin.Secret, SIGNING_KEY_SECRET, DEFAULT_NAMESPACE);
  const rows: Array<[string, string, () => CertUser, (u: CertUser) => Promise<unknown>]> = [
    [who.carol, 'list namespaces', () => carol, (u) => u.client.list(Builtin.Namespace)],
    [who.carol, 'get Tenant A', () => carol, (u) => u.client.get(TenantResource, A)],
    [
      who.carol,
      'list pods in A’s namespace',
      () => carol,
      (u) => u.client.list(Builtin.Pod, { namespace: nsA }),
    ],
    [
      who.carol,
      'create a pod in A’s namespace',
      () => carol,
      (u) => dry(u).create(Builtin.Pod, pod(nsA, 'intruder')),
    ],
    [who.carol, 'read A’s IdP client secret', () => carol, (u) => u.client.get(Builtin.Secret, 'idp', sysA)],
    [
      who.carol,
      'read one of A’s receipts',
      () => carol,
      (u) => u.client.get(Builtin.ConfigMap, receipt, sysA),
    ],
    [who.carol, 'list nodes', () => carol, (u) => u.client.list(Builtin.Node)],
    [who.carol, 'read the operator’s signing key', () => carol, signingKey],
    [
      who.dave,
      'list Secrets in A’s namespace',
      () => dave,
      (u) => u.client.list(Builtin.Secret, { namespace: nsA }),
    ],
    [who.dave, 'list pods in every namespace', () => dave, (u) => u.client.list(Builtin.Pod)],
    [
      who.dave,
      'create a pod in A’s namespace',
      () => dave,
      (u) => dry(u).create(Builtin.Pod, pod(nsA, 'intruder')),
    ],
    [who.dave, 'delete bob’s pod', () => dave, (u) => dry(u).remove(Builtin.Pod, victim, nsB)],
    [who.dave, 'read the operator’s signing key', () => dave, signingKey],
    [
      who.dave,
      'patch Tenant A',
      () => dave,
      (u) => dry(u).patch(TenantResource, A, undefined, { spec: { displayName: 'x' } }),
    ],
    [who.alice, 'read the operator’s signing key', () => alice, signingKey],
  ];
  for (const [actor, what, u, fn] of rows)
    attack('9.1', actor, what, 'refused', () => attempt(() => fn(u())));
  attack('9.1', who.carol, 'read the operator’s public keys', 'accepted', () =>
    attempt(() => carol.client.get(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, DEFAULT_NAMESPACE)),
  );
});

// --- Afterwards ----------------------------------------------------------------------------------

describe('bar: afterwards', () => {
  attack('bar', 'all of the above', 'A’s and B’s guard rails as at the start', 'intact', async () => {
    let changed: string[] = [];
    const same = await waitFor(
      'the guard rails as at the start',
      async () => {
        const now = await guardRails();
        changed = Object.keys(now).filter((k) => !deepEqual(now[k], guardRailsAtStart[k]));
        return changed.length === 0;
      },
      { timeoutMs: 15_000 },
    ).then(
      () => true,
      () => false,
    );
    return same
      ? { verdict: 'intact', detail: `${Object.keys(guardRailsAtStart).length} objects as at the start` }
      : { verdict: 'changed', detail: `changed: ${changed.join(', ')}` };
  });
});
