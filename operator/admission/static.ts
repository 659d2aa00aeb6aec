import type { AnyObject } from '../runtime/kube/object.ts';
import { staticAddonAdmission } from './addon-policies.ts';
import { staticBundleAdmission } from './bundle-policies.ts';
import { staticGuardAdmission } from './guard-policies.ts';
import { staticPoolAdmission } from './pool-policies.ts';

/**
 * Every cluster-wide admission policy and binding Tenantry installs (per-tenant bindings are
 * the entitlement controller's), for the installer and the chart alike. `namespace` is the
 * operator's: its ServiceAccount is the one exempt from the guards.
 */
export function staticAdmission(namespace: string): AnyObject[] {
  return [
    ...staticAddonAdmission(),
    ...staticBundleAdmission(),
    ...staticPoolAdmission(namespace),
    ...staticGuardAdmission(namespace),
  ];
}
