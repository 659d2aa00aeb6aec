import { describe, expect, it } from 'vitest';
import { callFailed } from './failure.ts';
import { s3Error } from './testing.ts';

describe('callFailed', () => {
  it('blames the credentials for refusals and the server for the rest', () => {
    const reason = (err: unknown) => callFailed('b', 'Call', err).reason;
    expect(reason(s3Error(403, 'Whatever'))).toBe('AccessDenied');
    expect(reason(s3Error(400, 'InvalidAccessKeyId'))).toBe('AccessDenied');
    expect(reason(s3Error(400, 'SignatureDoesNotMatch'))).toBe('AccessDenied');
    expect(reason(Object.assign(new Error('denied'), { name: 'AccessDenied' }))).toBe('AccessDenied');
    expect(reason(s3Error(500, 'InternalError'))).toBe('Unreachable');
  });

  it('names the call, the bucket and what the server said', () => {
    expect(callFailed('b', 'GetBucketVersioning', new Error('socket hang up')).message).toBe(
      'GetBucketVersioning on bucket b failed: no response Unknown: socket hang up',
    );
  });
});
