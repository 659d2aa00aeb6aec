import { NudgeReason } from '../../api/conditions.ts';
import { systemNamespaceOf } from '../../api/names.ts';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import type { GrowthEvent } from '../../growth/events.ts';
import type { NudgeNotice } from '../../growth/nudges/records.ts';
import type { PostResult } from '../../growth/nudges/webhook.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { isAlreadyExists } from '../../runtime/kube/errors.ts';
import { Builtin } from '../../runtime/kube/resource.ts';

export const EVENT_CHANNEL = 'event';
export const webhookChannel = (receiver: string) => `webhook:${receiver}`;

/** Where the platform's and the tenant admins' consoles look: on the Tenant, and in the system namespace only its owners (and the platform) can read. */
function eventBodies(tenant: Tenant, e: GrowthEvent<NudgeNotice>, time: string) {
  const name = tenant.metadata.name ?? '';
  const sys = systemNamespaceOf(name);
  // Named after the nudge's event id: a repeat after a crash is the same Event, not a second one.
  const eventName = `${name}.nudge.${e.id.slice(0, 20)}`;
  const common = {
    type: 'Normal',
    reason: NudgeReason.Nudge,
    message: `${e.data.nudge}: ${e.data.message}`.slice(0, 1024),
    source: { component: 'tenantry' },
    reportingComponent: 'tenantry',
    reportingInstance: process.env.HOSTNAME ?? 'tenantry',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
  return [
    {
      ...common,
      // Events about cluster-scoped objects live in the default namespace, as kubectl expects.
      metadata: { name: eventName, namespace: 'default' },
      involvedObject: {
        apiVersion: tenant.apiVersion ?? 'tenantry.dev/v1alpha1',
        kind: 'Tenant',
        name,
        uid: tenant.metadata.uid,
      },
    },
    {
      ...common,
      metadata: { name: eventName, namespace: sys },
      involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: sys, namespace: sys },
    },
  ];
}

/** The Event channel: both Events exist (made now or by an earlier attempt). */
export async function sendEvents(
  client: KubeClient,
  tenant: Tenant,
  e: GrowthEvent<NudgeNotice>,
  time: string,
): Promise<PostResult> {
  try {
    for (const body of eventBodies(tenant, e, time)) {
      await client.create(Builtin.Event, body).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
