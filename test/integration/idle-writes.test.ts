import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import {
  adminClient,
  startTestOperator,
  type TenantObject,
  tenantManifest,
  uniqueName,
  waitReady,
} from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

const WINDOW_MS = Number(process.env.TENANTRY_IDLE_WINDOW_SECONDS ?? 60) * 1000;
const OPERATOR_USER = `system:serviceaccount:${DEFAULT_NAMESPACE}:${OPERATOR_NAME}`;
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
}

let admin: KubeClient;
let stopOperator: () => Promise<void>;
const names = [uniqueName('idle-a'), uniqueName('idle-b'), uniqueName('idle-c')];

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin, { leaderElection: true }));
});

afterAll(async () => {
  await stopOperator();
  for (const n of names) await admin.delete(TenantResource, n).catch(() => {});
  admin.close();
});

const auditLog = inject('auditLog');

// The audit log exists only on the control plane the tests start; an external cluster's is not ours to read.
describe.runIf(auditLog)('an idle operator', () => {
  it(`writes nothing but its Lease renewals over ${WINDOW_MS / 1000}s with Ready tenants`, async () => {
    for (const [i, n] of names.entries()) {
      await apply(
        admin,
        TenantResource,
        tenantManifest(n, { namespaces: [{ name: 'default' }, { name: `ns${i}` }] }),
      );
    }
    for (const n of names) await waitReady(admin, n);
    // Tenants other test files deleted are finished off by this operator: that is work, not idling.
    let terminating: string[] = [];
    await waitFor(
      'no tenant or entitlement to be terminating',
      async () => {
        terminating = [
          ...(await admin.list<TenantObject>(TenantResource)).items,
          ...(await admin.list(EntitlementResource)).items,
        ]
          .filter((o) => o.metadata.deletionTimestamp)
          .map((o) => o.metadata.name ?? '');
        return terminating.length === 0;
      },
      { timeoutMs: 240_000 },
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}; still terminating: ${terminating.join(', ')}`);
    });
    // No settling time: the operator's reactions to its own status and finalizer writes must
    // themselves be write-free, so the window starts as soon as the tenants are Ready.
    const offset = statSync(auditLog).size;
    // The measurement window itself: this is what the test measures, not a wait for state.
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const events = readFileSync(auditLog, 'utf8')
      .slice(offset)
      .split('\n')
      // Only whole lines: the offset or the end may fall inside a line being written.
      .slice(0, -1)
      .filter((l) => l.startsWith('{') && l.endsWith('}'))
      .map((l) => JSON.parse(l) as AuditEvent)
      .filter((e) => e.user.username === OPERATOR_USER && WRITES.has(e.verb));
    const leases = events.filter((e) => e.objectRef?.resource === 'leases');
    const others = events.filter((e) => e.objectRef?.resource !== 'leases');
    expect(
      others.map(
        (e) =>
          `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''} ${e.objectRef?.namespace ?? ''}/${e.objectRef?.name}`,
      ),
    ).toEqual([]);
    // Renewals are there: the log is being read for the right user.
    expect(leases.length).toBeGreaterThan(WINDOW_MS / 1000 / 4);
    console.info(
      `idle window ${WINDOW_MS / 1000}s: ${leases.length} lease renewals, ${others.length} other writes`,
    );
  }, 360_000);
});
