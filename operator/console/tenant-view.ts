import type { Tenant } from '../api/v1alpha1/index.ts';
import { invoicePreview } from '../billing/preview.ts';
import { verifyBundle } from '../evidence/verify.ts';
import { deliveriesIn } from '../growth/nudges/records.ts';
import type { Identity } from '../tenantapi/authenticate.ts';
import type { EvidenceDocument } from '../tenantapi/evidence.ts';
import { StatusError } from '../tenantapi/status.ts';
import { currentPeriod } from '../tenantapi/usage.ts';
import { type AccessCheck, mayUse } from './access.ts';
import type { Part, TenantView, VerifiedEvidence } from './pages/tenant.ts';
import type { ConsoleSource } from './sources.ts';

/** Each piece of evidence checked in the server against the operator's published keys. */
export function verifyEvidence(doc: EvidenceDocument): VerifiedEvidence[] {
  return doc.bundles.map((b) => {
    let problem: string | undefined;
    try {
      verifyBundle(
        b.bundle,
        doc.publicKeys,
        b.subject ? { blobs: [{ file: b.name, bytes: b.subject }] } : {},
      );
    } catch (e) {
      problem = (e as Error).message;
    }
    return {
      name: b.name,
      kind: b.kind,
      step: b.step,
      signedAt: b.signedAt,
      keyId: b.keyId,
      verified: problem === undefined,
      problem,
    };
  });
}

/**
 * A panel's data if RBAC lets her have it: each tenant API resource is reviewed for exactly
 * her, as the tenant API would review it. A refusal of the source (a ledger that does not
 * verify, no Entitlement) is shown as its message, never as a failed page.
 */
async function guarded<T>(allowed: Promise<boolean>, load: () => Promise<T>): Promise<Part<T>> {
  if (!(await allowed)) return { state: 'denied' };
  try {
    return { state: 'ok', value: await load() };
  } catch (e) {
    if (e instanceof StatusError || (e as { code?: number }).code !== undefined)
      return { state: 'error', message: (e as Error).message };
    throw e;
  }
}

/** Everything on a tenant's page, for someone already allowed to see it. */
export async function tenantView(
  source: ConsoleSource,
  check: AccessCheck,
  who: Identity,
  tenant: Tenant,
  now: number,
): Promise<TenantView> {
  const name = tenant.metadata.name ?? '';
  const period = currentPeriod(now);
  const [addOns, events, evidence, usage, preferences, mayChangePreferences] = await Promise.all([
    source.addOns(name),
    source.events(name),
    guarded(mayUse(check, who, name, 'evidence'), async () =>
      verifyEvidence(await source.evidence(who, name)),
    ),
    guarded(mayUse(check, who, name, 'usage'), async () => {
      const u = await source.usage(who, name, period);
      const currency = u.lines[0]?.currency;
      return {
        period: u.period,
        meteredUntil: u.meteredUntil,
        lines: u.lines,
        preview: currency ? invoicePreview(u.lines, { period: u.period, currency }) : undefined,
      };
    }),
    guarded(mayUse(check, who, name, 'nudgepreferences'), () => source.preferences(who, name)),
    mayUse(check, who, name, 'nudgepreferences', 'update'),
  ]);
  return {
    tenant,
    addOns,
    deliveries: deliveriesIn(events).map((e) => ({ ...e.data, time: e.time })),
    evidence,
    usage,
    preferences,
    mayChangePreferences,
    bundles: [],
    upgrades: [],
  };
}
