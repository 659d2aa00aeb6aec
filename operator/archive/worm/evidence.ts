import { found, probeOf, type WormFindings } from './findings.ts';
import { defaultRule, retentionDays } from './object-lock.ts';
import type { WormEvidence } from './result.ts';

/** The findings of a chain in which every check passed, in the shape AddOn status records. */
export function evidenceOf(f: WormFindings): WormEvidence {
  const rule = defaultRule(f);
  const probe = probeOf(f);
  const refused = found(f.deleteRefused, 'the refused delete');
  return {
    bucket: f.bucket,
    checkedAt: f.now.toISOString(),
    objectLock: {
      enabled: 'Enabled',
      mode: 'COMPLIANCE',
      ...(rule?.Days !== undefined ? { days: rule.Days } : {}),
      ...(rule?.Years !== undefined ? { years: rule.Years } : {}),
      effectiveDays: retentionDays(rule),
    },
    minRetentionDays: f.minRetentionDays,
    versioning: 'Enabled',
    probe: {
      key: probe.key,
      versionId: probe.versionId,
      sha256: probe.sha256.toString('hex'),
      retentionSource: f.retentionSource,
      mode: 'COMPLIANCE',
      retainUntil: found(f.retention?.until, 'the probe retention').toISOString(),
      deleteRefused: { status: refused.status, code: refused.code },
      intactAfterDelete: true,
    },
  };
}
