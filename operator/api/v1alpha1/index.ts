import type { ResourceType } from '../../runtime/kube/resource.ts';
import { AddOnResource } from './addon.ts';
import { DistributionBundleResource } from './distributionbundle.ts';
import { EntitlementResource } from './entitlement.ts';
import { TenantResource } from './tenant.ts';
import { UpgradePlanResource } from './upgradeplan.ts';

export * from './addon.ts';
export * from './common.ts';
export * from './distributionbundle.ts';
export * from './entitlement.ts';
export * from './growth.ts';
export * from './tenant.ts';
export * from './upgradeplan.ts';

/** Every kind of tenantry.dev/v1alpha1, for code that handles them all (RBAC, watches, CLI). */
export const ALL_RESOURCES: readonly ResourceType[] = [
  TenantResource,
  EntitlementResource,
  AddOnResource,
  DistributionBundleResource,
  UpgradePlanResource,
];
