import { type S3ErrorInfo, s3ErrorInfo } from '../s3.ts';
import type { WormFailure, WormFailureReason } from './result.ts';

export function fail(reason: WormFailureReason, message: string): WormFailure {
  return { ok: false, reason, message };
}

/** An S3 call that failed for a reason no check expects: the credentials, or the server. */
export function callFailed(bucket: string, what: string, err: unknown): WormFailure {
  const info = s3ErrorInfo(err);
  return fail(classify(info), `${what} on bucket ${bucket} failed: ${describe(info)}`);
}

export function describe(info: S3ErrorInfo): string {
  return `${info.status ?? 'no response'} ${info.code}: ${info.message}`;
}

function classify(info: S3ErrorInfo): WormFailureReason {
  if (
    info.status === 403 ||
    info.code === 'AccessDenied' ||
    info.code === 'InvalidAccessKeyId' ||
    info.code === 'SignatureDoesNotMatch'
  ) {
    return 'AccessDenied';
  }
  return 'Unreachable';
}
