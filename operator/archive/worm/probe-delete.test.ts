import { describe, expect, it } from 'vitest';
import { deleteRefused } from './probe-delete.ts';
import { fakeClient, findings, s3Error, writtenProbe } from './testing.ts';

const deleting = (err: Error) => {
  const f = findings({
    probe: writtenProbe(),
    client: fakeClient({
      DeleteObject: () => {
        throw err;
      },
    }).client,
  });
  return { f, result: deleteRefused(f) };
};

describe('deleteRefused', () => {
  it('counts a client error as the refusal and records it', async () => {
    const { f, result } = deleting(s3Error(403, 'AccessDenied'));
    expect(await result).toBeUndefined();
    expect(f.deleteRefused).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('does not count a server error as a refusal', async () => {
    const { f, result } = deleting(s3Error(503, 'SlowDown'));
    expect(await result).toEqual({
      ok: false,
      reason: 'Unreachable',
      message:
        'DeleteObject tenantry-probe/2026-11-25T12-00-00-000Z (version v1) on bucket b failed: 503 SlowDown: SlowDown',
    });
    expect(f.deleteRefused).toBeUndefined();
  });
});
