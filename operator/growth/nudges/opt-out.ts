import type { Tenant } from '../../api/v1alpha1/index.ts';
import type { NudgePreferences } from '../preferences.ts';
import type { OptOut } from './schedule.ts';

/**
 * The opt-out in force: the platform's switch on the Tenant (spec.nudges.optOut, all nudges)
 * or the tenant admins' own preferences (all or some), which live apart from the Tenant so a
 * toggle never fights GitOps. Who did it and when comes with it, for the delivery log.
 */
export function optOutOf(tenant: Tenant, prefs: NudgePreferences): OptOut {
  if (tenant.spec.nudges?.optOut) return { all: true, nudges: [], by: 'spec.nudges.optOut' };
  const last = prefs.history.at(-1);
  return {
    all: prefs.optOutAll,
    nudges: prefs.optOut,
    ...(last ? { by: last.by, at: last.at } : {}),
  };
}
