// The attacker suite of issue 9: the ways out of the cage, tried from the tenant's side by users
// the API server authenticates by client certificate (no impersonation). Each row names the item
// of the issue's "What to build" it covers (9.1 ... 9.9; "bar" for "nothing of A reachable or
// changeable from B"). A row passes when the request is refused with a message that says what
// was refused (403/422) or, where the second line of defence is the point, when the state comes
// back in time. Rows whose fix has not landed fail on purpose: the matrix printed at the end
// (attack x expected x actual) is the checklist for those fixes.
import { afterAll, beforeAll, describe, inject } from 'vitest';
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
import type { AnyObject, KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin, type ResourceType, resourcePath } from '../../operator/runtime/kube/resource.ts';
import {
  AttackMatrix,
  attempt,
  chain,
  errorText,
  judge,
  type Seen,
  type Step,
  type Undo,
  unlessRepaired,
} from '../support/attack-matrix.ts';
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
  whoAmI,
} from '../support/users.ts';
import { waitFor } from '../support/wait.ts';

/** How long an accepted change may take to be undone by the operator to count as repaired. */
const REPAIR_MS = 8_000;
/** How long another tenant's pod may stay on a node after the node is reserved. */
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
const victim = 'victim';
const alicePod = 'app';

const who = {
  alice: 'alice (owner A)',
  amy: 'amy (owner A, 2nd)',
  bob: 'bob (owner B)',
  carol: 'carol (plain user)',
  dave: 'dave (node-ops)',
  // What an owner's self-escalation that got through would give her: RBAC rights on her
  // namespace object and on Tenantry's objects in it. Only admission can stop her.
  erin: 'erin (RBAC on A ns)',
  kubeletFree: 'kubelet (free node)',
  kubeletPool: 'kubelet (B pool node)',
  admin: 'platform admin',
  everyone: 'all of the above',
};
type Actor = keyof typeof who;
type UserKey = Exclude<Actor, 'admin' | 'everyone'>;

const matrix = new AttackMatrix('attacker matrix (issue 9)');
const attack = (
  point: string,
  actor: Actor,
  what: string,
  expected: Parameters<AttackMatrix['row']>[3],
  run: (undo: Undo) => Promise<Seen>,
) => matrix.row(point, who[actor], what, expected, run);

let admin: KubeClient;
/** The operator's ServiceAccount: puts back what an accepted attack changed, as the operator would. */
let op: KubeClient;
let stopOperator: () => Promise<void> = async () => {};
const users = {} as Record<UserKey, CertUser>;
/** The node A's pool is asked to reserve while bob's pod runs there. */
let nodeA = '';
/** B's pool node. */
let nodeB = '';
/** A node in no pool. */
let nodeFree = '';
let receipt = '';
let guardRailsAtStart: Record<string, unknown> = {};

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
 * Writes as `client`, for real or as a dry run. Authorization and admission judge a dry run as
 * they would the real request, so an attack that needs no later step leaves nothing to undo.
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

/** Until RBAC lets the client do it: a new RoleBinding takes a moment to reach the authorizer. */
async function waitAllowed(client: KubeClient, attrs: Record<string, string>): Promise<void> {
  await waitFor(
    `RBAC to allow ${JSON.stringify(attrs)}`,
    async () => {
      const review = await client.request<{ status: { allowed: boolean } }>(
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
      return review.status.allowed;
    },
    { timeoutMs: 5_000 },
  );
}

// --- Objects -----------------------------------------------------------------------------------

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
const privileged = { name: 'main', image: pauseImage, securityContext: { privileged: true } };

function pod(namespace: string, name: string, spec: Record<string, unknown> = {}): PodObject {
  return { metadata: { name, namespace }, spec: { containers: [safeContainer], ...spec } };
}

function role(ns: string, rules: unknown[]): AnyObject {
  return { metadata: { name: uniqueName('atk-role'), namespace: ns }, rules };
}

function roleBinding(
  ns: string,
  roleKind: 'Role' | 'ClusterRole',
  roleName: string,
  user: string,
): AnyObject {
  return {
    metadata: { name: uniqueName('atk-binding'), namespace: ns },
    roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: user }],
  };
}

function poolAddOn(ns: string, node: string): AddOn {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'AddOn',
    metadata: { name: 'pool', namespace: ns },
    spec: {
      type: 'DedicatedCompute',
      approval: { reason: 'noisy neighbours' },
      dedicatedCompute: { nodes: 1, candidateSelector: { matchLabels: { 'kubernetes.io/hostname': node } } },
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

/** Creates as the user once admission knows the tenant's Entitlement (its binding comes later). */
function admitted<T extends KubeObject>(u: CertUser, type: ResourceType, obj: T): Promise<T> {
  return waitFor(`${obj.metadata.name} to be admitted for ${u.name}`, () =>
    u.client.create<T>(type, obj).then(
      (o) => o,
      () => false,
    ),
  );
}

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
 * After `before`, relabels A's namespace privileged and tries hostPID pods for 3 s: repair
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
  const hostPid = pod(nsA, 'host-pid', { hostPID: true });
  const admittedPod = await waitFor('a hostPID pod admitted', () => dry(u).create(Builtin.Pod, hostPid), {
    timeoutMs: 3_000,
  }).then(
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

// --- Putting things back -----------------------------------------------------------------------

interface NamespaceState {
  labels: Record<string, string>;
  ownerReferences: unknown;
}

async function namespaceState(ns: string): Promise<NamespaceState> {
  const n = await admin.get<Namespace>(Builtin.Namespace, ns);
  return { labels: n.metadata.labels ?? {}, ownerReferences: n.metadata.ownerReferences ?? null };
}

/** Snapshots the namespace; after the row, the operator's identity puts labels and owners back. */
async function keepNamespace(ns: string, tenant: string, undo: Undo): Promise<NamespaceState> {
  const before = await namespaceState(ns);
  undo(async () => {
    const now = await namespaceState(ns);
    if (!deepEqual(now, before)) {
      const labels: Record<string, string | null> = { ...before.labels };
      for (const k of Object.keys(now.labels)) if (!(k in before.labels)) labels[k] = null;
      const metadata = { labels, ownerReferences: before.ownerReferences };
      await op.patch(Builtin.Namespace, ns, undefined, { metadata }, 'merge');
    }
    await waitReady(admin, tenant, 30_000);
  });
  return before;
}

const labelsBack = (ns: string, before: NamespaceState, keys: string[]) => async () => {
  const now = await namespaceState(ns);
  return keys.every((k) => now.labels[k] === before.labels[k]);
};

/** What of a Tenantry object matters to isolation. */
const essence = (o: AnyObject) => ({ spec: o.spec, subjects: o.subjects, roleRef: o.roleRef });

/** Snapshots the object; after the row, the operator's identity applies it again if it changed. */
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

/** A pod no scheduler picks up, so that a binding decides where it runs. */
async function pendingPod(u: CertUser, ns: string, undo: Undo): Promise<string> {
  const name = uniqueName('unbound');
  await u.client.create(Builtin.Pod, pod(ns, name, { schedulerName: 'tenantry-test-nobody' }));
  undo(() => admin.delete(Builtin.Pod, name, ns));
  return name;
}

/** Both tenants' guard rails: namespace labels and owners, bindings, quota, limits, policies. */
async function guardRails(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const ns of [nsA, sysA, nsB, sysB]) {
    const { labels, ownerReferences } = await namespaceState(ns);
    // A pool that settles late (an eviction still running) labels the namespace later.
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
  !n.spec?.taints?.length &&
  !Object.keys(n.metadata.labels ?? {}).some((k) => k === LABEL_POOL || k === LABEL_POOL_RESTRICTED) &&
  (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

let closeUsers = () => {};

beforeAll(async () => {
  admin = await adminClient();
  // A real platform's archive policy: https to public addresses only (this file runs no S3 server).
  ({ stop: stopOperator } = await startTestOperator(admin, { archiveEndpoints: {} }));
  const saKc = await serviceAccountKubeConfig(
    admin,
    loadKubeConfig(inject('kubeconfig')),
    DEFAULT_NAMESPACE,
    OPERATOR_NAME,
  );
  op = await KubeClient.fromKubeConfig(saKc, { userAgent: 'tenantry-test-repair' });

  const free = (await admin.list<Node>(Builtin.Node)).items
    .filter(isFree)
    .map((n) => n.metadata.name ?? '')
    .sort();
  if (free.length < 3) throw new Error(`3 free Ready nodes needed, found ${free.join(', ') || 'none'}`);
  [nodeA = '', nodeB = '', nodeFree = ''] = free;
  const [cast, kubeletFree, kubeletPool] = await Promise.all([
    attackers(admin, { amy: [], erin: [] }),
    certificateUser(admin, `system:node:${nodeFree}`, ['system:nodes']),
    certificateUser(admin, `system:node:${nodeB}`, ['system:nodes']),
  ]);
  const { close, ...people } = cast;
  Object.assign(users, people, { kubeletFree, kubeletPool });
  closeUsers = () => {
    close();
    kubeletFree.client.close();
    kubeletPool.client.close();
  };
  const { alice, amy, bob, erin } = users;

  // Node-ops cordon and label nodes, through nodes and nodes/status, as such a team does.
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

  const owners = (...us: CertUser[]) => ({ owners: us.map((u) => ({ name: u.name })) });
  await apply(admin, TenantResource, tenantManifest(A, owners(alice, amy)));
  await apply(admin, TenantResource, tenantManifest(B, owners(bob)));
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
    const decided = a.status?.conditions?.some((c) => c.type === 'Provisioned');
    return a.status?.observedGeneration === a.metadata.generation && decided;
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
  console.info(matrix.render());
  if (!admin) return;
  const gone = async (type: ResourceType) => !(await admin.find(type, A)) && !(await admin.find(type, B));
  for (const type of [TenantResource, EntitlementResource]) {
    for (const t of [A, B]) await admin.delete(type, t).catch(() => {});
    // Deleting the tenants deletes their namespaces and add-ons, which releases the pools.
    await waitFor(`both ${type.plural} to be gone`, () => gone(type), { timeoutMs: 120_000 }).catch(
      (e: unknown) => console.warn(errorText(e)),
    );
  }
  const left = (await admin.list<Node>(Builtin.Node)).items.filter((n) =>
    [A, B].includes(n.metadata.labels?.[LABEL_POOL] ?? ''),
  );
  if (left.length) console.warn(`pool labels left on ${left.map((n) => n.metadata.name).join(', ')}`);
  await admin.delete(Builtin.ClusterRoleBinding, NODE_OPS_ROLE).catch(() => {});
  await admin.delete(Builtin.ClusterRole, NODE_OPS_ROLE).catch(() => {});
  await stopOperator();
  closeUsers();
  op?.close();
  admin.close();
});

// --- 9.1 Least privilege: roles and bindings -----------------------------------------------------

describe('9.1 self-escalation through roles and bindings', () => {
  const roles: Array<[string, unknown[]]> = [
    ['a Role with a wildcard rule (*/*/*)', RULES.wildcard],
    ['a Role granting patch on her Namespace object', RULES.namespacePatch],
    ['a Role granting escalate and bind', RULES.escalateBind],
    ['a Role granting impersonate', RULES.impersonate],
    ['a Role granting delete/patch of quota, LimitRange, NetworkPolicies', RULES.guardRails],
    ['a Role granting pods/binding', RULES.binding],
  ];
  for (const [what, rules] of roles) {
    attack('9.1', 'alice', what, 'refused', () =>
      attempt(() => dry(users.alice).create(Builtin.Role, role(nsA, rules))),
    );
  }
  attack('9.1', 'alice', 'a Role granting what she holds (get/list pods): delegation', 'accepted', () =>
    attempt(() =>
      dry(users.alice).create(
        Builtin.Role,
        role(nsA, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]),
      ),
    ),
  );
  for (const cr of ['cluster-admin', 'admin', 'edit']) {
    attack('9.1', 'alice', `a RoleBinding of herself to ClusterRole ${cr}`, 'refused', () =>
      attempt(() =>
        dry(users.alice).create(Builtin.RoleBinding, roleBinding(nsA, 'ClusterRole', cr, users.alice.name)),
      ),
    );
  }
  attack('9.1', 'alice', 'a RoleBinding of herself to tenant-owner in B’s namespace', 'refused', () =>
    attempt(() =>
      dry(users.alice).create(
        Builtin.RoleBinding,
        roleBinding(nsB, 'ClusterRole', CLUSTERROLE_TENANT_OWNER, users.alice.name),
      ),
    ),
  );
  attack('9.1', 'alice', 'a ClusterRoleBinding of herself to cluster-admin', 'refused', () =>
    attempt(() =>
      dry(users.alice).create(Builtin.ClusterRoleBinding, {
        metadata: { name: uniqueName('atk') },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: RBAC, kind: 'User', name: users.alice.name }],
      } as AnyObject),
    ),
  );
  attack('9.1', 'alice', 'a ClusterRole with a wildcard rule', 'refused', () =>
    attempt(() =>
      dry(users.alice).create(Builtin.ClusterRole, {
        metadata: { name: uniqueName('atk') },
        rules: RULES.wildcard,
      } as AnyObject),
    ),
  );
  attack(
    '9.1',
    'alice',
    'self-grant patch on her Namespace, relabel privileged, hostPID pod',
    'refused',
    async (undo) => {
      await keepNamespace(nsA, A, undo);
      const check = { verb: 'patch', resource: 'namespaces', name: nsA };
      return podAfterRelabel(users.alice, selfGrant(users.alice, nsA, RULES.namespacePatch, check, undo));
    },
  );
  attack('9.1', 'alice', 'self-grant delete on the quota, then delete it', 'refused', async (undo) => {
    const check = { verb: 'delete', resource: 'resourcequotas' };
    return chain(['quota'], ...selfGrant(users.alice, nsA, RULES.guardRails, check, undo), [
      'delete the quota',
      () => dry(users.alice).remove(Builtin.ResourceQuota, 'tenantry-quota', nsA),
    ]);
  });
  attack(
    'bar',
    'bob',
    'self-grant patch on his Namespace, take A’s tenant label (past A’s NetworkPolicy)',
    'refused',
    async (undo) => {
      const before = await keepNamespace(nsB, B, undo);
      const check = { verb: 'patch', resource: 'namespaces', name: nsB };
      const seen = await chain(
        [LABEL_TENANT],
        ...selfGrant(users.bob, nsB, RULES.namespacePatch, check, undo),
        [
          'relabel',
          () =>
            real(users.bob).patch(Builtin.Namespace, nsB, undefined, {
              metadata: { labels: { [LABEL_TENANT]: A } },
            }),
        ],
      );
      return unlessRepaired(seen, labelsBack(nsB, before, [LABEL_TENANT]), REPAIR_MS);
    },
  );
});

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
    attack('9.1', 'alice', what, 'refused', () =>
      attempt(() => dry(users.alice).patch(Builtin.Namespace, nsA, undefined, patch), ...keys),
    );
    attack('9.1', 'erin', what, 'refused', async (undo) => {
      const before = await keepNamespace(nsA, A, undo);
      const seen = await attempt(
        () => real(users.erin).patch(Builtin.Namespace, nsA, undefined, patch),
        ...keys,
      );
      return unlessRepaired(seen, labelsBack(nsA, before, keys), REPAIR_MS);
    });
  }
  attack('9.1', 'erin', 'relabel privileged and at once run a hostPID pod', 'refused', async (undo) => {
    await keepNamespace(nsA, A, undo);
    return podAfterRelabel(users.erin, []);
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
    attack('9.2', 'alice', what, 'refused', async () => {
      const patch = await patchOf();
      return attempt(() => dry(users.alice).patch(Builtin.Namespace, nsA, undefined, patch), 'owner');
    });
    attack('9.2', 'erin', what, ['refused', 'repaired'], async (undo) => {
      const before = await keepNamespace(nsA, A, undo);
      const patch = await patchOf();
      const seen = await attempt(
        () => real(users.erin).patch(Builtin.Namespace, nsA, undefined, patch),
        'owner',
      );
      const ownersBack = async () =>
        deepEqual((await namespaceState(nsA)).ownerReferences, before.ownerReferences);
      return unlessRepaired(seen, ownersBack, REPAIR_MS);
    });
  }
  attack(
    '9.2',
    'admin',
    'drops tenantry.dev/tenant: restored, not abandoned',
    ['repaired', 'refused'],
    async (undo) => {
      const before = await keepNamespace(nsA, A, undo);
      const drop = { metadata: { labels: { [LABEL_TENANT]: null } } };
      const seen = await attempt(
        () => writer(admin, false).patch(Builtin.Namespace, nsA, undefined, drop),
        LABEL_TENANT,
      );
      return unlessRepaired(
        seen,
        async () => {
          const ready = (await admin.get<Tenant>(TenantResource, A)).status?.conditions?.find(
            (c) => c.type === 'Ready',
          );
          return (await labelsBack(nsA, before, [LABEL_TENANT])()) && ready?.status === 'True';
        },
        REPAIR_MS,
      );
    },
  );
  attack('9.1', 'alice', 'delete her own namespace', 'refused', () =>
    attempt(() => dry(users.alice).remove(Builtin.Namespace, nsA)),
  );
});

// --- 9.1 Tenantry's objects in her namespace ---------------------------------------------------

describe('9.1 the quota, LimitRange, NetworkPolicies and RoleBinding Tenantry made', () => {
  const quota = ['quota'];
  const limits = ['limitrange', 'limit range'];
  const netpol = ['networkpolic', 'network polic'];
  const guarded: Array<[string, ResourceType, string, 'delete' | Record<string, unknown>, string[]]> = [
    ['delete the ResourceQuota', Builtin.ResourceQuota, 'tenantry-quota', 'delete', quota],
    [
      'raise the ResourceQuota (pods: 100000)',
      Builtin.ResourceQuota,
      'tenantry-quota',
      { spec: { hard: { pods: '100000' } } },
      [...quota, 'spec.hard'],
    ],
    ['delete the LimitRange', Builtin.LimitRange, 'tenantry-defaults', 'delete', limits],
    [
      'loosen the LimitRange (no defaults, 64 CPUs)',
      Builtin.LimitRange,
      'tenantry-defaults',
      { spec: { limits: [{ type: 'Container', max: { cpu: '64', memory: '256Gi' } }] } },
      [...limits, 'spec.limits'],
    ],
    [
      'delete the ingress NetworkPolicy',
      Builtin.NetworkPolicy,
      'tenantry-default-deny-ingress',
      'delete',
      netpol,
    ],
    [
      'open the ingress NetworkPolicy to all',
      Builtin.NetworkPolicy,
      'tenantry-default-deny-ingress',
      { spec: { ingress: [{}] } },
      [...netpol, 'spec.ingress'],
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
    attack('9.1', 'alice', what, 'refused', () => attempt(() => write(dry(users.alice)), ...hints));
    attack('9.1', 'erin', what, 'refused', async (undo) => {
      const before = await keepObject(type, name, nsA, undo);
      const seen = await attempt(() => write(real(users.erin)), ...hints);
      return unlessRepaired(seen, objectBack(type, name, nsA, before), REPAIR_MS);
    });
  }
  attack('9.1', 'alice', 'add carol to the owners’ RoleBinding', 'refused', async () => {
    const rb = await admin.get<AnyObject & { subjects: unknown[] }>(
      Builtin.RoleBinding,
      'tenantry-owners',
      nsA,
    );
    const subjects = [...rb.subjects, { apiGroup: RBAC, kind: 'User', name: users.carol.name }];
    return attempt(
      () => dry(users.alice).patch(Builtin.RoleBinding, 'tenantry-owners', nsA, { subjects }),
      'rolebinding',
      'subjects',
    );
  });
  attack('9.1', 'alice', 'create an allow-all NetworkPolicy', 'refused', () =>
    attempt(() =>
      dry(users.alice).create(Builtin.NetworkPolicy, {
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
    ['a privileged pod', { containers: [privileged] }],
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
    attack('9.1', 'alice', what, 'refused', () =>
      attempt(() => dry(users.alice).create(Builtin.Pod, pod(nsA, uniqueName('unsafe'), spec))),
    );
  }
  attack('9.1', 'alice', 'a privileged pod in her system namespace', 'refused', () =>
    attempt(() => dry(users.alice).create(Builtin.Pod, pod(sysA, 'unsafe', { containers: [privileged] }))),
  );
  attack('9.1', 'alice', 'a plain pod in her namespace', 'accepted', () =>
    attempt(() => dry(users.alice).create(Builtin.Pod, pod(nsA, uniqueName('ok')))),
  );
});

// --- 9.1 Impersonation, namespaces --------------------------------------------------------------

describe('9.1 impersonation and new namespaces', () => {
  const impersonations: Array<[UserKey, string, () => { user: string; groups?: string[] }]> = [
    [
      'alice',
      'impersonate system:admin in system:masters',
      () => ({ user: 'system:admin', groups: ['system:masters'] }),
    ],
    ['alice', 'impersonate bob', () => ({ user: users.bob.name })],
    [
      'alice',
      'impersonate a ServiceAccount of her namespace',
      () => ({ user: `system:serviceaccount:${nsA}:default` }),
    ],
    [
      'alice',
      'impersonate the operator',
      () => ({ user: `system:serviceaccount:${DEFAULT_NAMESPACE}:${OPERATOR_NAME}` }),
    ],
    ['carol', 'impersonate alice', () => ({ user: users.alice.name })],
    ['dave', 'impersonate a kubelet', () => ({ user: `system:node:${nodeFree}`, groups: ['system:nodes'] })],
  ];
  for (const [actor, what, as] of impersonations) {
    // Anyone may ask who they are, so a refusal here can only be the impersonation's.
    attack('9.1', actor, what, 'refused', () => attempt(() => whoAmI(users[actor].client.as(as()))));
  }
  const namespaces: Array<[UserKey, string, string]> = [
    ['alice', 'create a namespace named like her own', `${A}-extra`],
    ['bob', 'create the system namespace of a future tenant', `${uniqueName('future')}-system`],
    ['carol', 'create a namespace', uniqueName('carol')],
    ['dave', 'create a namespace', uniqueName('dave')],
  ];
  for (const [actor, what, name] of namespaces) {
    attack('9.1', actor, what, 'refused', () =>
      attempt(() => dry(users[actor]).create(Builtin.Namespace, { metadata: { name } })),
    );
  }
});

// --- The bar: nothing of A reachable or changeable from B --------------------------------------

type Request = [UserKey, string, (u: CertUser) => Promise<unknown>];
const refusedAll = (point: string, rows: Request[]) => {
  for (const [actor, what, fn] of rows)
    attack(point, actor, what, 'refused', () => attempt(() => fn(users[actor])));
};

describe('bar: the other tenant’s objects', () => {
  const ownersPlus = async (name: string) => [
    ...(await admin.get<Tenant>(TenantResource, A)).spec.owners,
    { name },
  ];
  refusedAll('bar', [
    ['bob', 'get A’s namespace', (u) => u.client.get(Builtin.Namespace, nsA)],
    ['bob', 'list pods in A’s namespace', (u) => u.client.list(Builtin.Pod, { namespace: nsA })],
    ['bob', 'get A’s pod', (u) => u.client.get(Builtin.Pod, alicePod, nsA)],
    ['bob', 'create a pod in A’s namespace', (u) => dry(u).create(Builtin.Pod, pod(nsA, 'intruder'))],
    ['bob', 'delete A’s pod', (u) => dry(u).remove(Builtin.Pod, alicePod, nsA)],
    [
      'bob',
      'exec into A’s pod',
      (u) =>
        u.client.request('POST', `/api/v1/namespaces/${nsA}/pods/${alicePod}/exec`, {
          query: { command: 'sh', stdout: true },
        }),
    ],
    [
      'bob',
      'list Secrets in A’s system namespace',
      (u) => u.client.list(Builtin.Secret, { namespace: sysA }),
    ],
    ['bob', 'read A’s IdP client secret', (u) => u.client.get(Builtin.Secret, 'idp', sysA)],
    [
      'bob',
      'create a Secret in A’s system namespace',
      (u) => dry(u).create(Builtin.Secret, { metadata: { name: 'planted', namespace: sysA } }),
    ],
    ['bob', 'list A’s receipts', (u) => u.client.list(Builtin.ConfigMap, { namespace: sysA })],
    ['bob', 'read one of A’s receipts', (u) => u.client.get(Builtin.ConfigMap, receipt, sysA)],
    [
      'bob',
      'overwrite one of A’s receipts',
      (u) => dry(u).patch(Builtin.ConfigMap, receipt, sysA, { data: { x: 'y' } }),
    ],
    ['bob', 'list A’s add-ons', (u) => u.client.list(AddOnResource, { namespace: sysA })],
    [
      'bob',
      'approve A’s add-on',
      (u) => dry(u).patch(AddOnResource, 'pool', sysA, { spec: { approval: { reason: 'bob says yes' } } }),
    ],
    [
      'bob',
      'create an add-on in A’s system namespace',
      (u) => dry(u).create(AddOnResource, archiveAddOn(sysA, 'planted', 'https://s3.example.com')),
    ],
    [
      'bob',
      'list RoleBindings in A’s namespace',
      (u) => u.client.list(Builtin.RoleBinding, { namespace: nsA }),
    ],
    [
      'bob',
      'bind himself to tenant-owner in A’s namespace',
      (u) =>
        dry(u).create(Builtin.RoleBinding, roleBinding(nsA, 'ClusterRole', CLUSTERROLE_TENANT_OWNER, u.name)),
    ],
    ['bob', 'list Events in A’s namespace', (u) => u.client.list(Builtin.Event, { namespace: nsA })],
    ['bob', 'read A’s ResourceQuota', (u) => u.client.get(Builtin.ResourceQuota, 'tenantry-quota', nsA)],
    ['bob', 'get Tenant A', (u) => u.client.get(TenantResource, A)],
    [
      'bob',
      'add himself to Tenant A’s owners',
      async (u) => dry(u).patch(TenantResource, A, undefined, { spec: { owners: await ownersPlus(u.name) } }),
    ],
    ['bob', 'delete Tenant A', (u) => dry(u).remove(TenantResource, A)],
    ['bob', 'get A’s Entitlement', (u) => u.client.get(EntitlementResource, A)],
    [
      'bob',
      'widen A’s Entitlement',
      (u) => dry(u).patch(EntitlementResource, A, undefined, { spec: { plan: 'x' } }),
    ],
    ['alice', 'get B’s namespace', (u) => u.client.get(Builtin.Namespace, nsB)],
    ['alice', 'list pods in B’s namespace', (u) => u.client.list(Builtin.Pod, { namespace: nsB })],
    [
      'alice',
      'list Secrets in B’s system namespace',
      (u) => u.client.list(Builtin.Secret, { namespace: sysB }),
    ],
    ['alice', 'list B’s receipts', (u) => u.client.list(Builtin.ConfigMap, { namespace: sysB })],
    ['alice', 'list B’s add-ons', (u) => u.client.list(AddOnResource, { namespace: sysB })],
    ['alice', 'delete B’s pool add-on', (u) => dry(u).remove(AddOnResource, 'pool', sysB)],
    ['alice', 'get Tenant B', (u) => u.client.get(TenantResource, B)],
    ['alice', 'delete Tenant B', (u) => dry(u).remove(TenantResource, B)],
    [
      'alice',
      'patch B’s Entitlement',
      (u) => dry(u).patch(EntitlementResource, B, undefined, { spec: { plan: 'x' } }),
    ],
  ]);
});

// --- 9.1 Tenants and Entitlements ----------------------------------------------------------------

describe('9.1 Tenant and Entitlement objects', () => {
  const ownersPlus = async (name: string) => [
    ...(await admin.get<Tenant>(TenantResource, A)).spec.owners,
    { name },
  ];
  const forgedReady = {
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Forged', message: '' }] },
  };
  refusedAll('9.1', [
    ['alice', 'create a Tenant', (u) => dry(u).create(TenantResource, tenantManifest(uniqueName('atk-new')))],
    [
      'alice',
      'add carol to her own Tenant’s owners',
      async (u) =>
        dry(u).patch(TenantResource, A, undefined, { spec: { owners: await ownersPlus(users.carol.name) } }),
    ],
    [
      'alice',
      'raise her own Tenant’s quota',
      (u) => dry(u).patch(TenantResource, A, undefined, { spec: { quota: { hard: { pods: '100000' } } } }),
    ],
    ['alice', 'delete her own Tenant', (u) => dry(u).remove(TenantResource, A)],
    [
      'alice',
      'mark her own Tenant Ready (tenants/status)',
      (u) => dry(u).patch(TenantResource, A, undefined, forgedReady, 'status'),
    ],
    [
      'alice',
      'create a second Entitlement for her tenant',
      (u) =>
        dry(u).create(EntitlementResource, {
          ...entitlement(A, ['DedicatedCompute', 'AuditArchive'], 50),
          metadata: { name: uniqueName(A) },
        }),
    ],
    [
      'alice',
      'raise her own Entitlement’s dedicated nodes',
      (u) => dry(u).patch(EntitlementResource, A, undefined, { spec: { quotas: { dedicatedNodes: 50 } } }),
    ],
    ['alice', 'delete her own Entitlement', (u) => dry(u).remove(EntitlementResource, A)],
    [
      'alice',
      'rewrite her own Entitlement’s usage (entitlements/status)',
      (u) => dry(u).patch(EntitlementResource, A, undefined, { status: { usage: { nodes: '0' } } }, 'status'),
    ],
    ['carol', 'list Tenants (every owner’s address)', (u) => u.client.list(TenantResource)],
    ['carol', 'create a Tenant', (u) => dry(u).create(TenantResource, tenantManifest(uniqueName('atk-new')))],
    ['carol', 'list Entitlements', (u) => u.client.list(EntitlementResource)],
  ]);
});

// --- 9.4 Approvals -------------------------------------------------------------------------------

/** The add-on admission returned: `stamped` when approved-by names `approver`. */
async function approvedAs(approver: CertUser, write: () => Promise<unknown>, hints: string[]): Promise<Seen> {
  try {
    const by = ((await write()) as KubeObject).metadata.annotations?.[ANNOTATION_APPROVED_BY];
    return by === approver.name
      ? { verdict: 'stamped', detail: `approved-by stamped with ${by}` }
      : { verdict: 'accepted', detail: `approved-by is ${by}` };
  } catch (e) {
    return judge(e, hints);
  }
}

describe('9.4 approvals bound to what they approve', () => {
  attack('9.4', 'alice', 'create an add-on with a forged approved-by', ['refused', 'stamped'], () => {
    const forged = archiveAddOn(sysA, uniqueName('forged'), 'https://s3.example.com');
    forged.metadata.annotations = { [ANNOTATION_APPROVED_BY]: 'platform-admin' };
    return approvedAs(users.alice, () => dry(users.alice).create(AddOnResource, forged), [
      ANNOTATION_APPROVED_BY,
    ]);
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
      () => ({ metadata: { annotations: { [ANNOTATION_APPROVED_BY]: users.amy.name } } }),
    ],
    ['remove approved-by', 'pool', () => ({ metadata: { annotations: { [ANNOTATION_APPROVED_BY]: null } } })],
  ];
  for (const [what, name, patch] of changes) {
    attack('9.4', 'amy', `${what} without a new approval`, 'refused', () =>
      attempt(() => dry(users.amy).patch(AddOnResource, name, sysA, patch()), 'approv'),
    );
  }
  attack('9.4', 'amy', 'raise the pool to 2 nodes with an approval of her own', 'stamped', () => {
    const change = {
      spec: { dedicatedCompute: { nodes: 2 }, approval: { reason: 'amy approves two nodes' } },
    };
    return approvedAs(users.amy, () => dry(users.amy).patch(AddOnResource, 'pool', sysA, change), ['approv']);
  });
  const forgedStatus = { status: { approval: { approvedBy: 'platform-admin' } } };
  refusedAll('9.4', [
    [
      'alice',
      'write status.approval.approvedBy (addons/status)',
      (u) => dry(u).patch(AddOnResource, 'pool', sysA, forgedStatus, 'status'),
    ],
    [
      'alice',
      'an add-on in her workload namespace',
      (u) => dry(u).create(AddOnResource, archiveAddOn(nsA, 'misplaced', 'https://s3.example.com')),
    ],
    [
      'carol',
      'an add-on in A’s system namespace',
      (u) => dry(u).create(AddOnResource, archiveAddOn(sysA, 'planted', 'https://s3.example.com')),
    ],
  ]);
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
  const archiveAt = (endpoint: string) => () =>
    dry(users.alice).create(AddOnResource, archiveAddOn(sysA, uniqueName('arc'), endpoint));
  // Admission can't know the platform's allowances; the operator judges the URL, and every
  // address it resolves to, before it calls anything: Provisioned=False EndpointNotAllowed.
  const neverCalled = async (endpoint: string, undo: Undo): Promise<Seen> => {
    const name = uniqueName('arc');
    const refused = await attempt(
      () => users.alice.client.create(AddOnResource, archiveAddOn(sysA, name, endpoint)),
      'endpoint',
    );
    if (refused.verdict !== 'accepted') return refused;
    undo(() => admin.delete(AddOnResource, name, sysA).catch(() => {}));
    return waitFor(`the operator to refuse calling ${endpoint}`, async (): Promise<Seen | false> => {
      const a = await admin.get<AddOn>(AddOnResource, name, sysA);
      const c = a.status?.conditions?.find((x) => x.type === 'Provisioned');
      if (c?.status !== 'False') return false;
      return c.reason === 'EndpointNotAllowed'
        ? { verdict: 'not-called', detail: c.message }
        : { verdict: 'error', detail: `${c.reason}: ${c.message}` };
    }).catch((e: unknown) => ({ verdict: 'error' as const, detail: String(e) }));
  };
  for (const endpoint of endpoints) {
    attack('9.9', 'alice', `an archive at ${endpoint}`, ['refused', 'not-called'], (undo) =>
      neverCalled(endpoint, undo),
    );
  }
  attack('9.9', 'alice', 'an archive at https://s3.example.com', 'accepted', () =>
    attempt(archiveAt('https://s3.example.com')),
  );
});

// --- 9.5 Exclusive pools -------------------------------------------------------------------------

describe('9.5 exclusive pools', () => {
  attack(
    '9.5',
    'bob',
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
      const stayed = `bob's pod still runs on ${nodeA}, reserved for A, after ${EVICTION_MS / 1000} s`;
      return outcome ?? { verdict: 'accepted', detail: stayed };
    },
  );
  const ownPool = (tenant: string) => ({
    tolerations: [{ key: TAINT_POOL, operator: 'Equal', value: tenant, effect: 'NoSchedule' }],
    nodeSelector: { [LABEL_POOL_RESTRICTED]: tenant },
  });
  const toB = () => ({
    nodeSelectorTerms: [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeB] }] },
    ],
  });
  const podAttacks: Array<[UserKey, string, string, () => Record<string, unknown>]> = [
    ['alice', nsA, 'a pod on B’s pool node by spec.nodeName', () => ({ nodeName: nodeB })],
    ['alice', nsA, 'a pod tolerating and selecting B’s pool', () => ownPool(B)],
    ['alice', nsA, 'a pod tolerating every taint', () => ({ tolerations: [{ operator: 'Exists' }] })],
    [
      'alice',
      nsA,
      'a pod with affinity to B’s pool node and any pool toleration',
      () => ({
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: toB() } },
        tolerations: [{ key: TAINT_POOL, operator: 'Exists' }],
      }),
    ],
    ['bob', nsB, 'a pod tolerating and selecting A’s pool', () => ownPool(A)],
  ];
  for (const [actor, ns, what, spec] of podAttacks) {
    attack('9.5', actor, what, 'refused', () =>
      attempt(
        () => dry(users[actor]).create(Builtin.Pod, pod(ns, uniqueName('pool'), spec())),
        'toleration',
        'nodeName',
        'pool',
      ),
    );
  }
  const bindHints = ['binding', 'pool', 'dedicated'];
  attack('9.5', 'alice', 'bind her pod to B’s pool node (pods/binding)', 'refused', async (undo) => {
    const p = await pendingPod(users.alice, nsA, undo);
    return attempt(() => bindPod(users.alice.client, nsA, p, nodeB), ...bindHints);
  });
  attack(
    '9.5',
    'alice',
    'self-grant pods/binding, bind her pod to B’s pool node',
    'refused',
    async (undo) => {
      const p = await pendingPod(users.alice, nsA, undo);
      const check = { verb: 'create', resource: 'pods', subresource: 'binding' };
      return chain(bindHints, ...selfGrant(users.alice, nsA, RULES.binding, check, undo), [
        'bind the pod',
        () => bindPod(users.alice.client, nsA, p, nodeB),
      ]);
    },
  );
  attack('9.5', 'erin', 'bind a pod to B’s pool node (pods/binding)', 'refused', async (undo) => {
    const p = await pendingPod(users.erin, nsA, undo);
    return attempt(() => bindPod(users.erin.client, nsA, p, nodeB), ...bindHints);
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
  const taintedForA = () => ({ spec: { taints: [{ key: TAINT_POOL, value: A, effect: 'NoSchedule' }] } });
  const since = () => ({
    metadata: { annotations: { [ANNOTATION_RESERVED_SINCE]: '2020-01-01T00:00:00Z' } },
  });
  const hints = ['label', 'taint', 'annotation', LABEL_POOL, LABEL_POOL_RESTRICTED];
  const [pool, free] = [() => nodeB, () => nodeFree];
  const rows: Array<[string, UserKey, string, () => string, () => unknown, string?]> = [
    ['9.5', 'dave', 'drop the pool labels of B’s pool node', pool, poolLabelsOff],
    ['9.5', 'dave', 'drop the pool labels of B’s pool node (nodes/status)', pool, poolLabelsOff, 'status'],
    ['9.5', 'dave', 'remove the pool taint of B’s pool node', pool, untainted],
    ['9.5', 'dave', 'label a free node into A’s pool', free, intoPoolA],
    ['9.5', 'dave', 'label a free node into A’s pool (nodes/status)', free, intoPoolA, 'status'],
    ['9.5', 'dave', 'taint a free node as A’s pool', free, taintedForA],
    ['9.5', 'dave', 'move the reservation start of B’s pool node (nodes/status)', pool, since, 'status'],
    ['9.9', 'kubeletFree', 'label itself into A’s pool (nodes/status)', free, intoPoolA, 'status'],
    ['9.9', 'kubeletFree', 'label itself into A’s pool', free, intoPoolA],
    ['9.9', 'kubeletPool', 'drop its own pool labels (nodes/status)', pool, poolLabelsOff, 'status'],
    ['9.9', 'kubeletPool', 'remove its own pool taint', pool, untainted],
    ['9.5', 'alice', 'drop the pool labels of B’s pool node', pool, poolLabelsOff],
    ['9.5', 'alice', 'drop the pool labels of B’s pool node (nodes/status)', pool, poolLabelsOff, 'status'],
  ];
  for (const [point, actor, what, node, patch, sub] of rows) {
    attack(point, actor, what, 'refused', () =>
      attempt(
        async () => dry(users[actor]).patch(Builtin.Node, node(), undefined, await patch(), sub),
        ...hints,
      ),
    );
  }
  attack('9.5', 'dave', 'cordon a free node', 'accepted', () =>
    attempt(() =>
      dry(users.dave).patch(Builtin.Node, nodeFree, undefined, { spec: { unschedulable: true } }),
    ),
  );
  attack('9.5', 'dave', 'label a free node example.com/rack=r1', 'accepted', () =>
    attempt(() =>
      dry(users.dave).patch(Builtin.Node, nodeFree, undefined, {
        metadata: { labels: { 'example.com/rack': 'r1' } },
      }),
    ),
  );
  attack('9.5', 'dave', 'label A’s namespace tenantry.dev/node-agents=true', 'refused', () =>
    attempt(
      () =>
        dry(users.dave).patch(Builtin.Namespace, nsA, undefined, {
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
  const kubeletSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
  refusedAll('9.1', [
    [
      'alice',
      'request a system:masters client certificate',
      async (u) =>
        dry(u).create(CertificateSigningRequestResource, await csrFor('system:admin', ['system:masters'])),
    ],
    [
      'alice',
      'request a kubelet client certificate',
      async (u) =>
        dry(u).create(
          CertificateSigningRequestResource,
          await csrFor(`system:node:${nodeFree}`, ['system:nodes'], kubeletSigner),
        ),
    ],
    ['bob', 'list certificate signing requests', (u) => u.client.list(CertificateSigningRequestResource)],
    [
      'carol',
      'request a client certificate',
      async (u) => dry(u).create(CertificateSigningRequestResource, await csrFor('carol-2', [])),
    ],
    [
      'dave',
      'request a client certificate',
      async (u) =>
        dry(u).create(CertificateSigningRequestResource, await csrFor('dave-2', ['system:masters'])),
    ],
  ]);
  attack('9.1', 'alice', 'approve a pending request of another user', 'refused', async (undo) => {
    // The API server refuses system:masters for this signer even to an admin; any group will do.
    const made = await admin.create(
      CertificateSigningRequestResource,
      await csrFor('mallory', ['platform-admins']),
    );
    undo(() => admin.delete(CertificateSigningRequestResource, made.metadata.name ?? ''));
    return attempt(() => approveCsr(users.alice.client, made));
  });
});

// --- 9.1 The plain user and node-ops -------------------------------------------------------------

describe('9.1 the plain user and node-ops', () => {
  const signingKey = (u: CertUser) => u.client.get(Builtin.Secret, SIGNING_KEY_SECRET, DEFAULT_NAMESPACE);
  refusedAll('9.1', [
    ['carol', 'list namespaces', (u) => u.client.list(Builtin.Namespace)],
    ['carol', 'get Tenant A', (u) => u.client.get(TenantResource, A)],
    ['carol', 'list pods in A’s namespace', (u) => u.client.list(Builtin.Pod, { namespace: nsA })],
    ['carol', 'create a pod in A’s namespace', (u) => dry(u).create(Builtin.Pod, pod(nsA, 'intruder'))],
    ['carol', 'read A’s IdP client secret', (u) => u.client.get(Builtin.Secret, 'idp', sysA)],
    ['carol', 'read one of A’s receipts', (u) => u.client.get(Builtin.ConfigMap, receipt, sysA)],
    ['carol', 'list nodes', (u) => u.client.list(Builtin.Node)],
    ['carol', 'read the operator’s signing key', signingKey],
    ['dave', 'list Secrets in A’s namespace', (u) => u.client.list(Builtin.Secret, { namespace: nsA })],
    ['dave', 'list pods in every namespace', (u) => u.client.list(Builtin.Pod)],
    ['dave', 'create a pod in A’s namespace', (u) => dry(u).create(Builtin.Pod, pod(nsA, 'intruder'))],
    ['dave', 'delete bob’s pod', (u) => dry(u).remove(Builtin.Pod, victim, nsB)],
    ['dave', 'read the operator’s signing key', signingKey],
    [
      'dave',
      'patch Tenant A',
      (u) => dry(u).patch(TenantResource, A, undefined, { spec: { displayName: 'x' } }),
    ],
    ['alice', 'read the operator’s signing key', signingKey],
  ]);
  attack('9.1', 'carol', 'read the operator’s public keys', 'accepted', () =>
    attempt(() => users.carol.client.get(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, DEFAULT_NAMESPACE)),
  );
});

// --- Afterwards ----------------------------------------------------------------------------------

describe('bar: afterwards', () => {
  attack('bar', 'everyone', 'A’s and B’s guard rails as at the start', 'intact', async () => {
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
