import { AddOnReason } from '../../api/conditions.ts';
import type { AddOn, AddOnProvisioned } from '../../api/v1alpha1/index.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import { TerminalError } from '../../runtime/reconcile/errors.ts';

/** What a type's handler found: its conditions (Provisioned, Enforced), what it provisioned, when to look again. */
export interface HandlerResult {
  conditions: ConditionInput[];
  provisioned?: AddOnProvisioned;
  requeueAfterMs?: number;
}

/** A type-specific part of the add-on reconcile (dedicated compute, audit archive). */
export interface AddOnHandler {
  reconcile(addon: AddOn, tenant: string): Promise<HandlerResult>;
  /** Undoes what reconcile made; true when done. */
  release?(addon: AddOn, tenant: string): Promise<boolean>;
}

/** The type's settings are missing from the spec: retrying can't help, the AddOn is Stalled. */
export function missingSettings(field: 'dedicatedCompute' | 'auditArchive', type: string): TerminalError {
  return new TerminalError(`spec.${field} is required when spec.type is ${type}`, {
    reason: AddOnReason.MissingSettings,
  });
}
