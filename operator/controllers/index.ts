import { DEFAULT_NUDGE_SETTINGS, type NudgeSettings } from '../growth/nudges/config.ts';
import type { ControllerDefinition } from '../runtime/controller.ts';
import { addonController } from './addon/register.ts';
import type { ControllerDeps } from './deps.ts';
import { distributionBundleController } from './distributionbundle/register.ts';
import { entitlementController } from './entitlement/register.ts';
import { nudgesController } from './nudges/register.ts';
import { tenantController } from './tenant/register.ts';

/** Every controller the operator runs, in one list; `nudges` is the platform's nudges configuration. */
export function controllers(
  deps: ControllerDeps & { nudges?: NudgeSettings | undefined },
): ControllerDefinition[] {
  const nudges = deps.nudges ?? DEFAULT_NUDGE_SETTINGS;
  const list = [tenantController(deps, nudges)];
  if (deps.features.entitlementsBilling) list.push(entitlementController(deps));
  list.push(addonController(deps));
  if (deps.features.adminNudges) list.push(nudgesController(deps, nudges));
  if (deps.features.distributionPackV1) list.push(distributionBundleController(deps));
  return list;
}
