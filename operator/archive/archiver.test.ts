import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ArchiveConflictError, archiveObject } from './archiver.ts';

function s3Error(status: number, code: string): Error {
  return Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });
}

const body = Buffer.from('receipt');
const digest = createHash('sha256').update(body).digest();

function client(handlers: Record<string, (input: Record<string, unknown>) => unknown>): S3Client {
  return {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const h = handlers[cmd.constructor.name.replace(/Command$/, '')];
      if (!h) throw new Error(`unexpected ${cmd.constructor.name}`);
      return h(cmd.input);
    },
  } as unknown as S3Client;
}

describe('archiveObject', () => {
  it('puts conditionally with a SHA-256 checksum and explicit retention', async () => {
    let put: Record<string, unknown> = {};
    const r = await archiveObject(
      client({
        HeadObject: () => {
          throw s3Error(404, 'NotFound');
        },
        PutObject: (input) => {
          put = input;
          return { VersionId: 'v1' };
        },
      }),
      'b',
      { prefix: 'p/', body, contentType: 'text/plain', retainUntil: new Date('2030-01-01T00:00:00Z') },
    );
    expect(r).toEqual({
      key: `p/sha256/${digest.toString('hex')}`,
      versionId: 'v1',
      bytes: 7,
      sha256: digest.toString('hex'),
      created: true,
    });
    expect(put).toMatchObject({
      IfNoneMatch: '*',
      ChecksumSHA256: digest.toString('base64'),
      ObjectLockMode: 'COMPLIANCE',
      Metadata: { sha256: digest.toString('hex') },
    });
  });

  it('treats a lost race (412) with the same content as already archived', async () => {
    let heads = 0;
    const r = await archiveObject(
      client({
        HeadObject: () => {
          if (heads++ === 0) throw s3Error(404, 'NotFound');
          return { ChecksumSHA256: digest.toString('base64'), VersionId: 'v0' };
        },
        PutObject: () => {
          throw s3Error(412, 'PreconditionFailed');
        },
      }),
      'b',
      { prefix: 'p', body, contentType: 'text/plain' },
    );
    expect(r).toMatchObject({ created: false, versionId: 'v0' });
  });

  it('accepts the metadata digest when the server keeps no checksum, refuses other content', async () => {
    const same = await archiveObject(
      client({ HeadObject: () => ({ Metadata: { sha256: digest.toString('hex') } }) }),
      'b',
      { prefix: 'p', body, contentType: 'text/plain' },
    );
    expect(same.created).toBe(false);
    await expect(
      archiveObject(client({ HeadObject: () => ({ ChecksumSHA256: 'AAAA' }) }), 'b', {
        prefix: 'p',
        body,
        contentType: 'text/plain',
      }),
    ).rejects.toBeInstanceOf(ArchiveConflictError);
  });
});
