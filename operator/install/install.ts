import { staticAdmission } from '../admission/static.ts';
import { readCrds } from '../api/crds.ts';
import { apply } from '../runtime/apply.ts';
import { type Clock, realClock, sleep } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../runtime/kube/resource.ts';
import { operatorRbac } from './rbac.ts';

const typeOf = (o: AnyObject): ResourceType => {
  const found = Object.values(Builtin).find((t) => t.kind === o.kind);
  if (!found) throw new Error(`install: no resource type for kind ${o.kind}`);
  return found;
};

/**
 * Installs the CRDs and the operator's RBAC by server-side apply (idempotent) and waits
 * until every CRD is Established, so objects can be created right after.
 */
export async function install(
  client: KubeClient,
  opts: { namespace: string; crdsDir?: string; rbac?: boolean; clock?: Clock; timeoutMs?: number },
): Promise<{ crds: string[] }> {
  const clock = opts.clock ?? realClock;
  const crds = readCrds(opts.crdsDir);
  for (const crd of crds) await apply(client, Builtin.CustomResourceDefinition, crd);
  if (opts.rbac ?? true) {
    for (const obj of operatorRbac(opts.namespace)) await apply(client, typeOf(obj), obj);
  }
  // Admission policies reference the CRDs (paramKind Entitlement): install them after.
  const policies = staticAdmission(opts.namespace);
  const names = crds.map((c) => c.metadata.name ?? '');
  const deadline = clock.now() + (opts.timeoutMs ?? 60_000);
  for (const name of names) {
    for (;;) {
      const crd = await client.get<
        AnyObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(Builtin.CustomResourceDefinition, name);
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (clock.now() > deadline) throw new Error(`CRD ${name} was not Established in time`);
      await sleep(clock, 200);
    }
  }
  for (const obj of policies) await apply(client, typeOf(obj), obj);
  return { crds: names };
}
