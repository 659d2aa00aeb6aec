import { LABEL_MANAGED_BY, LABEL_NUDGE_PREFERENCES, LABEL_TENANT, MANAGED_BY } from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { isAlreadyExists, isConflict } from '../runtime/kube/errors.ts';
import { Builtin } from '../runtime/kube/resource.ts';

/**
 * A tenant's nudge preferences as its own admins set them through the tenant API. Kept apart
 * from the Tenant object, which GitOps owns (spec.nudges.optOut is the platform's switch; a
 * tenant admin's toggle must not fight it), in a ConfigMap of the operator's namespace that
 * only the operator writes. Who changed what and when is kept with it.
 */
export interface NudgePreferences {
  /** No nudges at all. */
  optOutAll: boolean;
  /** Nudges opted out of, by name. */
  optOut: string[];
  /** The last changes, newest last. */
  history: Array<{ by: string; at: string; optOutAll: boolean; optOut: string[] }>;
}

const MAX_HISTORY = 50;
export const preferencesName = (tenant: string) => `tenantry-nudge-prefs-${tenant}`;
export const NO_PREFERENCES: NudgePreferences = { optOutAll: false, optOut: [], history: [] };

export function preferencesOf(cm: ConfigMap | undefined): NudgePreferences {
  const json = cm?.data?.['preferences.json'];
  return json ? (JSON.parse(json) as NudgePreferences) : NO_PREFERENCES;
}

export async function readPreferences(
  client: KubeClient,
  namespace: string,
  tenant: string,
): Promise<NudgePreferences> {
  return preferencesOf(await client.find<ConfigMap>(Builtin.ConfigMap, preferencesName(tenant), namespace));
}

/** Sets the preferences, recording who did it; optimistic concurrency, retried on conflict. */
export async function writePreferences(
  client: KubeClient,
  namespace: string,
  tenant: string,
  change: { by: string; at: string; optOutAll: boolean; optOut: string[] },
): Promise<NudgePreferences> {
  const name = preferencesName(tenant);
  for (let attempt = 0; ; attempt++) {
    const cm = await client.find<ConfigMap>(Builtin.ConfigMap, name, namespace);
    const before = preferencesOf(cm);
    const optOut = [...new Set(change.optOut)].sort();
    const next: NudgePreferences = {
      optOutAll: change.optOutAll,
      optOut,
      history: [...before.history, { ...change, optOut }].slice(-MAX_HISTORY),
    };
    const body: ConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_TENANT]: tenant, [LABEL_NUDGE_PREFERENCES]: 'true' },
        ...(cm ? { resourceVersion: cm.metadata.resourceVersion } : {}),
      },
      data: { 'preferences.json': JSON.stringify(next) },
    };
    try {
      if (cm) await client.update(Builtin.ConfigMap, body);
      else await client.create(Builtin.ConfigMap, body);
      return next;
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || attempt >= 5) throw e;
    }
  }
}
