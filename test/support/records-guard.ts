import { GUARD_RECORDS } from '../../operator/admission/guard-policies.ts';
import { staticAdmission } from '../../operator/admission/static.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { ConfigMap } from '../../operator/runtime/kube/core.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { waitFor } from './wait.ts';

// Tests of what happens when billing records are changed anyway need the admission guard out
// of the way, as a cluster admin could take it: its binding deleted, and put back after.

/** Deletes the guard's binding and waits until the API server lets an edit of `probe` through. */
export async function switchRecordsGuardOff(admin: KubeClient, probe: ConfigMap): Promise<void> {
  await admin.delete(Builtin.ValidatingAdmissionPolicyBinding, GUARD_RECORDS).catch(() => {});
  const { name = '', namespace = DEFAULT_NAMESPACE } = probe.metadata;
  await waitFor('the records guard to be off', () =>
    admin
      .request('PUT', `/api/v1/namespaces/${namespace}/configmaps/${name}`, {
        query: { dryRun: 'All' },
        body: { apiVersion: 'v1', kind: 'ConfigMap', ...probe },
      })
      .then(
        () => true,
        () => false,
      ),
  );
}

/** Puts the guard's binding back (idempotent). */
export async function restoreRecordsGuard(admin: KubeClient): Promise<void> {
  const binding = staticAdmission(DEFAULT_NAMESPACE).find(
    (o) => o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata.name === GUARD_RECORDS,
  ) as AnyObject;
  await apply(admin, Builtin.ValidatingAdmissionPolicyBinding, binding);
}
