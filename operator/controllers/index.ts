import type { ControllerDefinition } from '../runtime/controller.ts';
import { addonController } from './addon/register.ts';
import type { ControllerDeps } from './deps.ts';
import { entitlementController } from './entitlement/register.ts';
import { tenantController } from './tenant/register.ts';

/** Every controller the operator runs, in one list. */
export function controllers(deps: ControllerDeps): ControllerDefinition[] {
  const list = [tenantController(deps)];
  if (deps.features.entitlementsBilling) list.push(entitlementController(deps));
  list.push(addonController(deps));
  return list;
}
