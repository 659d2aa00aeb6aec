import type { ControllerDefinition } from '../runtime/controller.ts';
import type { ControllerDeps } from './deps.ts';
import { tenantController } from './tenant/register.ts';

/** Every controller the operator runs, in one list. */
export function controllers(deps: ControllerDeps): ControllerDefinition[] {
  return [tenantController(deps)];
}
