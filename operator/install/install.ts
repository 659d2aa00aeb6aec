import { staticAdmission } from '../admission/static.ts';
import { readCrds } from '../api/crds.ts';
import { apply } from '../runtime/apply.ts';
import { type Clock, realClock, sleep } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Secret } from '../runtime/kube/core.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../runtime/kube/resource.ts';
import { TENANT_API_TLS_SECRET } from '../tenantapi/names.ts';
import { consoleRbac } from './console.ts';
import { operatorRbac } from './rbac.ts';
import { installTenantApi } from './tenant-api.ts';

const typeOf = (o: AnyObject): ResourceType => {
  const found = Object.values(Builtin).find((t) => t.kind === o.kind);
  if (!found) throw new Error(`install: no resource type for kind ${o.kind}`);
  return found;
};

/**
 * The CA the tenant API's APIService trusts, from the serving Secret the operator mounts
 * (`ca.crt`, else the certificate itself); undefined when there is no such Secret yet.
 */
async function tenantApiCa(client: KubeClient, namespace: string): Promise<string | undefined> {
  const secret = await client.find<Secret>(Builtin.Secret, TENANT_API_TLS_SECRET, namespace);
  const pem = secret?.data?.['ca.crt'] ?? secret?.data?.['tls.crt'];
  return pem ? Buffer.from(pem, 'base64').toString('utf8') : undefined;
}

/**
 * Installs the CRDs and the operator's RBAC by server-side apply (idempotent) and waits
 * until every CRD is Established, so objects can be created right after. With the tenant API's
 * serving Secret in place (tenantry-api-tls), also its RBAC, Service and APIService: an
 * APIService is only registered once there is a certificate for the aggregator to trust.
 */
export async function install(
  client: KubeClient,
  opts: {
    namespace: string;
    crdsDir?: string;
    rbac?: boolean;
    /** Also what serving the console takes (TokenReviews and SubjectAccessReviews). */
    console?: boolean;
    clock?: Clock;
    timeoutMs?: number;
  },
): Promise<{ crds: string[]; tenantApi: boolean }> {
  const clock = opts.clock ?? realClock;
  const crds = readCrds(opts.crdsDir);
  for (const crd of crds) await apply(client, Builtin.CustomResourceDefinition, crd);
  if (opts.rbac ?? true) {
    for (const obj of operatorRbac(opts.namespace)) await apply(client, typeOf(obj), obj);
    if (opts.console) for (const obj of consoleRbac(opts.namespace)) await apply(client, typeOf(obj), obj);
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
  const ca = opts.rbac === false ? undefined : await tenantApiCa(client, opts.namespace);
  if (ca) await installTenantApi(client, { namespace: opts.namespace, caBundlePem: ca });
  return { crds: names, tenantApi: ca !== undefined };
}
