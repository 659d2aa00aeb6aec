import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import { deepEqual, FIELD_MANAGER } from '../../runtime/apply.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';

interface ManagedFieldsEntry {
  manager?: string;
  subresource?: string;
  fieldsV1?: Record<string, Record<string, unknown> | undefined>;
}

/**
 * Removes a status field someone else wrote (a forged checklist, a score edited by hand),
 * so the status write that follows can set it afresh. Server-side apply overwrites the
 * values of fields the operator sets, but leaves the fields it does not set (the time of an
 * item not done, a completedAt) to whoever wrote them: those only a plain patch removes. Runs
 * only when another field manager owns part of the field and its value is not the operator's.
 */
export async function dropForeignField(
  client: KubeClient,
  tenant: Tenant,
  field: 'activation' | 'health',
  computed: TenantStatus[typeof field] | undefined,
): Promise<void> {
  const current = tenant.status?.[field];
  if (current === undefined || deepEqual(current, computed)) return;
  const managed = (tenant.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
  const foreign = managed.some(
    (m) => m.manager !== FIELD_MANAGER && m.fieldsV1?.['f:status']?.[`f:${field}`],
  );
  if (!foreign) return;
  await client.patch(
    TenantResource,
    tenant.metadata.name ?? '',
    undefined,
    { status: { [field]: null } },
    'merge',
    { subresource: 'status', fieldManager: FIELD_MANAGER },
  );
}
