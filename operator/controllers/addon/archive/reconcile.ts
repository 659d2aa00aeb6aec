import type { S3Client } from '@aws-sdk/client-s3';
import { AddOnCondition, AddOnReason } from '../../../api/conditions.ts';
import { systemNamespaceOf } from '../../../api/names.ts';
import type { AddOn, AddOnProvisioned } from '../../../api/v1alpha1/index.ts';
import { archiveObject } from '../../../archive/archiver.ts';
import { connectBucket, type S3Factory } from '../../../archive/connect.ts';
import type { EndpointPolicy } from '../../../archive/endpoint-policy.ts';
import { verifyWormBucket, type WormEvidence } from '../../../archive/worm.ts';
import { canonicalJson, sha256Hex } from '../../../evidence/statement.ts';
import type { CheckSchedule } from '../../../runtime/check-schedule.ts';
import { type Clock, isoTime } from '../../../runtime/clock.ts';
import type { ConditionInput } from '../../../runtime/conditions.ts';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import { type HandlerResult, missingSettings } from '../handler.ts';
import { collectArchiveItems } from './collect.ts';

const { Provisioned, Enforced } = AddOnCondition;

export interface ArchiveDeps {
  client: KubeClient;
  clock: Clock;
  schedule: CheckSchedule;
  /** Builds the S3 client; tests and other clouds may swap it. */
  s3?: S3Factory;
  /** Which endpoints the operator calls on the tenant's behalf. */
  endpoints?: EndpointPolicy | undefined;
}

const ARCHIVE_EVERY_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/**
 * The audit archive: verifies the customer's bucket is really WORM (Object Lock, COMPLIANCE,
 * default retention ≥ the add-on's, a probe version that cannot be deleted) when it is
 * attached or changed, then copies the tenant's receipts and evidence into it under
 * content-addressed keys, each with its own COMPLIANCE retention.
 */
export async function reconcileArchive(
  deps: ArchiveDeps,
  addon: AddOn,
  tenant: string,
): Promise<HandlerResult> {
  const spec = addon.spec.auditArchive;
  if (!spec) throw missingSettings('auditArchive', addon.spec.type);
  const conn = await connectBucket(
    deps.client,
    spec.bucket,
    systemNamespaceOf(tenant),
    deps.s3,
    deps.endpoints,
  );
  if (!('s3' in conn)) {
    return {
      conditions: [{ type: Provisioned, status: 'False', reason: conn.reason, message: conn.message }],
      requeueAfterMs: 10_000,
    };
  }
  const s3 = conn.s3;
  try {
    const key = `archive/${addon.metadata.uid}`;
    const input = canonicalJson({ bucket: spec.bucket, retentionDays: spec.retentionDays });
    const previous = addon.status?.provisioned;
    const verified = previous?.bucket?.verifiedAt && previous.details?.verifiedInput === sha256Hex(input);
    let provisioned: AddOnProvisioned = previous ?? {};
    if (!verified) {
      // The probe stays locked for the retention period: probe on attach or change only.
      const result = await verifyWormBucket(s3, {
        bucket: spec.bucket.name,
        minRetentionDays: spec.retentionDays,
        now: new Date(deps.clock.now()),
      });
      if (!result.ok) {
        return {
          conditions: [
            { type: Provisioned, status: 'False', reason: result.reason, message: result.message },
          ],
          requeueAfterMs: 60_000,
        };
      }
      provisioned = {
        bucket: {
          objectLockEnabled: true,
          defaultRetentionDays: result.evidence.objectLock.effectiveDays,
          verifiedAt: isoTime(deps.clock),
        },
        details: { verifiedInput: sha256Hex(input), verification: summary(result.evidence) },
      };
    }
    if (!deps.schedule.due(key, input) && previous?.details?.lastArchiveTime) {
      return {
        conditions: enforced(spec.bucket.name),
        provisioned,
        requeueAfterMs: deps.schedule.remaining(key),
      };
    }
    const stats = await archiveEvidence(deps, s3, spec.bucket.name, tenant, spec.retentionDays);
    deps.schedule.ran(key, input, true, () => ARCHIVE_EVERY_MS);
    const details = provisioned.details ?? {};
    const changed = stats.created > 0 || details.objects !== stats.objects;
    provisioned = {
      ...provisioned,
      details: {
        ...details,
        objects: stats.objects,
        bytes: stats.bytes,
        archived: stats.byKind,
        // Only a new object moves the time: a pass that finds everything archived writes nothing.
        lastArchiveTime: changed ? isoTime(deps.clock) : (details.lastArchiveTime ?? isoTime(deps.clock)),
      },
    };
    return { conditions: enforced(spec.bucket.name), provisioned, requeueAfterMs: ARCHIVE_EVERY_MS };
  } finally {
    s3.destroy();
  }
}

function enforced(bucket: string): ConditionInput[] {
  return [
    {
      type: Provisioned,
      status: 'True',
      reason: AddOnReason.BucketVerified,
      message: `bucket ${bucket} is WORM (Object Lock, COMPLIANCE)`,
    },
    {
      type: Enforced,
      status: 'True',
      reason: AddOnReason.Archiving,
      message:
        "receipts, evidence, final invoice reports, closed ledger days and Tenantry's Events are archived under COMPLIANCE retention",
    },
  ];
}

function summary(e: WormEvidence): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
}

async function archiveEvidence(
  deps: ArchiveDeps,
  s3: S3Client,
  bucket: string,
  tenant: string,
  retentionDays: number,
): Promise<{ objects: number; bytes: number; created: number; byKind: Record<string, number> }> {
  let objects = 0;
  let bytes = 0;
  let created = 0;
  const byKind: Record<string, number> = {};
  const retainUntil = new Date(deps.clock.now() + retentionDays * DAY_MS);
  for (const item of await collectArchiveItems(deps.client, tenant)) {
    const r = await archiveObject(s3, bucket, {
      prefix: `tenantry/${tenant}/${item.kind}`,
      body: item.body,
      contentType: item.contentType,
      retainUntil,
    });
    objects++;
    bytes += r.bytes;
    byKind[item.kind] = (byKind[item.kind] ?? 0) + 1;
    if (r.created) created++;
  }
  return { objects, bytes, created, byKind };
}
