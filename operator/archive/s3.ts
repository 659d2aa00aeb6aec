import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

/** Where and as whom to reach an S3 (or S3-compatible) bucket. */
export interface S3Connection {
  /** e.g. `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:7070`; omit for AWS defaults. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Attempts per request, the SDK's retry budget (default 3). */
  maxAttempts?: number;
  /** Resolves host names for every connection (the endpoint policy's guard). */
  lookup?: LookupFunction;
}

/**
 * An S3 client suited to S3-compatible servers as well as AWS: path-style addressing (no
 * bucket subdomains, which local and on-premises servers rarely resolve) and checksums only
 * where an API requires one (several servers reject the SDK's default CRC32 trailers). Our
 * own calls that need integrity protection set `ChecksumSHA256` themselves.
 */
export function createS3Client(conn: S3Connection): S3Client {
  return new S3Client({
    ...(conn.endpoint !== undefined ? { endpoint: conn.endpoint } : {}),
    region: conn.region,
    credentials: {
      accessKeyId: conn.accessKeyId,
      secretAccessKey: conn.secretAccessKey,
      ...(conn.sessionToken !== undefined ? { sessionToken: conn.sessionToken } : {}),
    },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: conn.maxAttempts ?? 3,
    ...(conn.lookup
      ? {
          requestHandler: {
            httpAgent: new http.Agent({ keepAlive: true, lookup: conn.lookup }),
            httpsAgent: new https.Agent({ keepAlive: true, lookup: conn.lookup }),
          },
        }
      : {}),
  });
}

/** The HTTP status and error code of a failed S3 call, as far as they are known. */
export interface S3ErrorInfo {
  status: number | undefined;
  code: string;
  message: string;
}

export function s3ErrorInfo(err: unknown): S3ErrorInfo {
  const e = err as {
    name?: unknown;
    Code?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code =
    typeof e?.Code === 'string'
      ? e.Code
      : typeof e?.name === 'string' && e.name !== 'Error'
        ? e.name
        : typeof e?.code === 'string'
          ? e.code
          : 'Unknown';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return { status, code, message };
}
