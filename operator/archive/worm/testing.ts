import type { S3Client } from '@aws-sdk/client-s3';
import type { Probe, WormFindings } from './findings.ts';

export const DAY_MS = 86_400_000;
export const now = new Date('2026-11-25T12:00:00Z');

export function s3Error(status: number, code: string): Error {
  return Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });
}

export type Handler = (input: Record<string, unknown>) => unknown;

/** A stand-in S3 client answering per command name; unlisted commands throw. */
export function fakeClient(handlers: Record<string, Handler>): { client: S3Client; calls: string[] } {
  const calls: string[] = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = cmd.constructor.name.replace(/Command$/, '');
      calls.push(name);
      const h = handlers[name];
      if (!h) throw new Error(`unexpected ${name}`);
      return h(cmd.input);
    },
  } as unknown as S3Client;
  return { client, calls };
}

/** Findings for bucket `b` (minimum 365 days) as a check sees them midway along the chain. */
export function findings(found: Partial<WormFindings> = {}): WormFindings {
  return {
    client: fakeClient({}).client,
    bucket: 'b',
    minRetentionDays: 365,
    now,
    retentionSource: 'bucket-default',
    ...found,
  };
}

/** The probe `writeProbe` leaves for bucket `b` at `now`. */
export function writtenProbe(): Probe {
  return {
    key: 'tenantry-probe/2026-11-25T12-00-00-000Z',
    body: Buffer.from('probe\n'),
    sha256: Buffer.alloc(32),
    minUntil: new Date(now.getTime() + 365 * DAY_MS),
    versionId: 'v1',
  };
}
