import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { nodeKubeConfig, nodeUser } from '../../devcluster/node-credentials.ts';
import { LABEL_POOL_RESTRICTED } from '../../operator/api/names.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { Node } from '../../operator/runtime/kube/core.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject, KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, uniqueName } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
}

type Lease = AnyObject & { spec: { holderIdentity?: string; renewTime?: string } };
type Pod = KubeObject & { spec: { nodeName?: string }; status?: { phase?: string } };

const nodes = inject('nodes');
const auditLog = inject('auditLog');

let admin: KubeClient;
/** The first simulated node, with a client certificate of its own, as a kubelet has. */
let node: KubeClient;
const [self = '', other = ''] = nodes;

/** The API server's refusal of a call, or a failure of the test if it let the call through. */
async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const e = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof ApiError)) throw new Error(`expected the API server to refuse, got ${String(e)}`);
  return e;
}

function auditEvents(from = 0): AuditEvent[] {
  return readFileSync(auditLog, 'utf8')
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as AuditEvent);
}

// Simulated nodes exist only on the control plane the tests start.
describe.runIf(nodes.length >= 2)('NodeRestriction on the local control plane', () => {
  beforeAll(async () => {
    admin = await adminClient();
    node = await KubeClient.fromKubeConfig(await nodeKubeConfig(loadKubeConfig(inject('kubeconfig')), self));
  });

  afterAll(() => {
    node?.close();
    admin?.close();
  });

  it('lets a node read and update its own Node, but not label itself into a restricted pool', async () => {
    expect((await node.get<Node>(Builtin.Node, self)).metadata.name).toBe(self);
    const label = { metadata: { labels: { [LABEL_POOL_RESTRICTED]: 'stolen' } } };
    const e = await refusal(node.patch(Builtin.Node, self, undefined, label, 'merge'));
    expect(e.code).toBe(403);
    expect(e.message).toContain(`is not allowed to modify labels: ${LABEL_POOL_RESTRICTED}`);
    expect(
      (await admin.get<Node>(Builtin.Node, self)).metadata.labels?.[LABEL_POOL_RESTRICTED],
    ).toBeUndefined();
    // A label kubelets may set goes through: the refusal above is NodeRestriction, not a broken identity.
    const allowed = 'node.kubernetes.io/tenantry-test';
    await node.patch(Builtin.Node, self, undefined, { metadata: { labels: { [allowed]: 'x' } } }, 'merge');
    await node.patch(Builtin.Node, self, undefined, { metadata: { labels: { [allowed]: null } } }, 'merge');
  });

  it('refuses a node any change to another node, and any read of it', async () => {
    const relabel = await refusal(
      node.patch(
        Builtin.Node,
        other,
        undefined,
        { metadata: { labels: { 'tenantry.dev/x': 'y' } } },
        'merge',
      ),
    );
    expect(relabel.code).toBe(403);
    expect(relabel.message).toContain(`node "${self}" is not allowed to modify node "${other}"`);
    const status = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Spoofed' }] } };
    const spoof = await refusal(
      node.patch(Builtin.Node, other, undefined, status, 'strategic', { subresource: 'status' }),
    );
    expect(spoof.code).toBe(403);
    expect(spoof.message).toContain(`is not allowed to modify node "${other}"`);
    const lease = { spec: { holderIdentity: self } };
    const stolen = await refusal(node.patch(Builtin.Lease, other, 'kube-node-lease', lease, 'merge'));
    expect(stolen.code).toBe(403);
    expect((await refusal(node.get(Builtin.Node, other))).code).toBe(403);
  });

  describe.runIf(auditLog)('the node simulator', () => {
    it('writes every Node, Lease and pod status as the node itself, and keeps the nodes Ready', async () => {
      const from = statSync(auditLog).size;
      const since = Date.now();
      // A pod to run, so the hollow kubelet writes its status.
      const ns = uniqueName('node-restriction');
      await admin.create(Builtin.Namespace, { metadata: { name: ns } });
      try {
        await admin.create(Builtin.Pod, {
          metadata: { name: 'p', namespace: ns },
          spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
        });
        const running = await waitFor('the pod to run', async () => {
          const p = await admin.get<Pod>(Builtin.Pod, 'p', ns);
          return p.status?.phase === 'Running' && p;
        });
        // Every node renews its Lease within 10 s: wait for one round after the start.
        await waitFor(
          'every node lease to be renewed',
          async () => {
            for (const n of nodes) {
              const l = await admin.get<Lease>(Builtin.Lease, n, 'kube-node-lease');
              if (Date.parse(l.spec.renewTime ?? '') < since) return false;
            }
            return true;
          },
          { timeoutMs: 30_000 },
        );
        const writes = auditEvents(from).filter((e) => ['create', 'update', 'patch'].includes(e.verb));
        const leaseWriters = new Map(
          writes
            .filter((e) => e.objectRef?.resource === 'leases' && e.objectRef.namespace === 'kube-node-lease')
            .map((e) => [e.objectRef?.name, e.user.username]),
        );
        expect(Object.fromEntries(leaseWriters)).toEqual(
          Object.fromEntries(nodes.map((n) => [n, nodeUser(n)])),
        );
        const podStatus = writes.filter(
          (e) =>
            e.objectRef?.resource === 'pods' &&
            e.objectRef.namespace === ns &&
            e.objectRef.subresource === 'status',
        );
        expect(podStatus.length).toBeGreaterThan(0);
        expect(new Set(podStatus.map((e) => e.user.username))).toEqual(
          new Set([nodeUser(running.spec.nodeName ?? '')]),
        );
        // Registration, before this test: each Node was created and given its status by itself.
        const registered = auditEvents().filter(
          (e) => e.objectRef?.resource === 'nodes' && e.verb === 'create' && e.responseStatus?.code === 201,
        );
        for (const n of nodes) {
          expect(registered.find((e) => e.objectRef?.name === n)?.user.username).toBe(nodeUser(n));
        }
        for (const n of nodes) {
          const ready = (await admin.get<Node>(Builtin.Node, n)).status?.conditions?.find(
            (c) => c.type === 'Ready',
          );
          expect(ready?.status, n).toBe('True');
        }
      } finally {
        await admin.delete(Builtin.Namespace, ns).catch(() => {});
      }
    });
  });
});
