import { GetObjectRetentionCommand, PutObjectRetentionCommand } from '@aws-sdk/client-s3';
import { s3ErrorInfo } from '../s3.ts';
import { callFailed, fail } from './failure.ts';
import { type ProbeRetention, probeOf, probeVersion, type WormFindings } from './findings.ts';
import type { WormFailure } from './result.ts';

export async function readProbeRetention(f: WormFindings): Promise<WormFailure | undefined> {
  try {
    f.retention = await getRetention(f);
  } catch (err) {
    if (s3ErrorInfo(err).code !== 'NoSuchObjectLockConfiguration') {
      return callFailed(f.bucket, `GetObjectRetention ${probeOf(f).key}`, err);
    }
  }
  return undefined;
}

/**
 * When the server did not stamp the default rule on the version, locks the probe
 * explicitly, as the archiver locks every object it writes; the checks after this one see
 * whether that holds.
 */
export async function lockUnstampedProbe(f: WormFindings): Promise<WormFailure | undefined> {
  if (f.retention?.mode !== undefined) return undefined;
  const probe = probeOf(f);
  f.retentionSource = 'explicit';
  try {
    await f.client.send(
      new PutObjectRetentionCommand({
        ...probeVersion(f),
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: probe.minUntil },
      }),
    );
    f.retention = await getRetention(f);
  } catch (err) {
    return callFailed(f.bucket, `PutObjectRetention ${probe.key}`, err);
  }
  return undefined;
}

export function probeCompliance(f: WormFindings): WormFailure | undefined {
  const mode = f.retention?.mode;
  if (mode !== 'COMPLIANCE') {
    return fail(
      'NotCompliance',
      `probe object ${probeOf(f).key} in bucket ${f.bucket} has retention mode ${mode ?? 'none'}, not COMPLIANCE`,
    );
  }
  return undefined;
}

export function probeRetainedLongEnough(f: WormFindings): WormFailure | undefined {
  const { key, minUntil } = probeOf(f);
  const until = f.retention?.until;
  // Servers store retain-until with second precision; allow that much.
  if (until === undefined || until.getTime() < minUntil.getTime() - 1000) {
    return fail(
      'RetentionTooShort',
      `probe object ${key} in bucket ${f.bucket} is retained until ${until?.toISOString() ?? 'never'}, before the required ${minUntil.toISOString()}`,
    );
  }
  return undefined;
}

async function getRetention(f: WormFindings): Promise<ProbeRetention> {
  const r = await f.client.send(new GetObjectRetentionCommand(probeVersion(f)));
  return { mode: r.Retention?.Mode, until: r.Retention?.RetainUntilDate };
}
