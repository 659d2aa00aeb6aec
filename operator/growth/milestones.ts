import { ANNOTATION_REQUESTED_BY } from '../api/names.ts';
import type { ActiveNudge, AddOn, InvoicePreview, Receipt, Tenant } from '../api/v1alpha1/index.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from './events.ts';
import type { NudgeDelivery } from './nudges/records.ts';

/**
 * A tenant's milestones as growth events: created, each signed receipt, its first add-on and
 * its first invoice line. Each is derived from an object the operator trusts (the Tenant's
 * metadata, its receipts, the add-ons admission stamped, the Entitlement's preview) and keyed
 * by the tenant's uid, so computing them again gives the same ids and the log keeps each once;
 * checklist items are recorded by the checklist itself (activation.ts).
 */

export interface MilestoneSources {
  tenant: Tenant;
  receipts: readonly Receipt[];
  /** The tenant's add-ons. */
  addons: readonly AddOn[];
  invoicePreview?: InvoicePreview | undefined;
  origin: string;
}

export function milestoneEvents(s: MilestoneSources): GrowthEvent<Record<string, unknown>>[] {
  const tenant = s.tenant.metadata.name ?? '';
  const uid = s.tenant.metadata.uid ?? '';
  const created = s.tenant.metadata.creationTimestamp;
  const event = (type: string, key: string, time: string, data: Record<string, unknown>) =>
    growthEvent({ tenant, type, key, time, data: { uid, ...data }, origin: s.origin });
  const out: GrowthEvent<Record<string, unknown>>[] = [];
  if (created) {
    out.push(
      event(GrowthEventType.TenantCreated, uid, created, {
        region: s.tenant.spec.region,
        policyProfile: s.tenant.spec.policyProfile ?? 'baseline',
      }),
    );
  }
  for (const r of s.receipts) {
    out.push(
      event(GrowthEventType.ReceiptSigned, `${uid}/${r.configMap}`, r.time, {
        step: r.step,
        generation: r.generation,
        digest: r.digest,
      }),
    );
  }
  const since = Date.parse(created ?? '');
  const first = s.addons
    .filter((a) => a.metadata.creationTimestamp && !(Date.parse(a.metadata.creationTimestamp) < since))
    .sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    )[0];
  if (first?.metadata.creationTimestamp) {
    out.push(
      event(GrowthEventType.FirstAddOn, uid, first.metadata.creationTimestamp, {
        addon: first.metadata.name,
        addonType: first.spec.type,
        by: first.metadata.annotations?.[ANNOTATION_REQUESTED_BY] ?? '',
      }),
    );
  }
  const preview = s.invoicePreview;
  if (preview?.lines?.length && preview.generatedAt) {
    out.push(
      event(GrowthEventType.FirstInvoiceLine, uid, preview.generatedAt, {
        lines: preview.lines.length,
        skus: [...new Set(preview.lines.map((l) => l.sku))].sort(),
      }),
    );
  }
  return out;
}

/**
 * "Nudge acted on": a nudge that was delivered (sent on some channel for this occurrence) and
 * whose condition has since been met. Keyed by the occurrence (tenant uid, nudge, since), so
 * it is recorded once however often the resolution is seen; `now` is when it was seen.
 */
export function nudgeActedOnEvents(s: {
  tenant: Tenant;
  resolved: readonly ActiveNudge[];
  deliveries: readonly GrowthEvent<NudgeDelivery>[];
  now: string;
  origin: string;
}): GrowthEvent<Record<string, unknown>>[] {
  const tenant = s.tenant.metadata.name ?? '';
  const uid = s.tenant.metadata.uid ?? '';
  return s.resolved.flatMap((n) => {
    const sent = s.deliveries
      .filter((d) => d.data.nudge === n.name && d.data.since === n.since && d.data.outcome === 'sent')
      .map((d) => d.time)
      .sort()[0];
    if (!sent) return [];
    return [
      growthEvent({
        tenant,
        type: GrowthEventType.NudgeActedOn,
        key: `${uid}/${n.name}/${n.since}`,
        time: s.now,
        data: { uid, nudge: n.name, since: n.since, deliveredAt: sent },
        origin: s.origin,
      }),
    ];
  });
}

/** The Kubernetes Event a newly recorded milestone gets (`kubectl describe tenant`). */
export function describeMilestone(e: GrowthEvent<unknown>): { reason: string; message: string } | undefined {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const by = typeof d.by === 'string' && d.by ? ` by ${d.by}` : '';
  switch (e.type) {
    case GrowthEventType.TenantCreated:
      return { reason: 'TenantCreated', message: `tenant created at ${e.time}` };
    case GrowthEventType.ActivationItemDone:
      return {
        reason: 'ActivationItemDone',
        message: `activation checklist: ${String(d.item)} done${by} at ${e.time}`,
      };
    case GrowthEventType.ActivationCompleted:
      return {
        reason: 'ActivationCompleted',
        message: `activation checklist complete ${String(d.seconds)}s after creation`,
      };
    case GrowthEventType.FirstAddOn:
      return {
        reason: 'FirstAddOn',
        message: `first add-on ${String(d.addon)} (${String(d.addonType)})${by}`,
      };
    case GrowthEventType.FirstInvoiceLine:
      return { reason: 'FirstInvoiceLine', message: `first invoice line in the preview of ${e.time}` };
    case GrowthEventType.NudgeActedOn:
      return {
        reason: 'NudgeActedOn',
        message: `nudge ${String(d.nudge)} (delivered ${String(d.deliveredAt)}) acted on: its condition is met`,
      };
    default:
      // Receipts have their own Event (ReceiptSigned) already.
      return undefined;
  }
}
