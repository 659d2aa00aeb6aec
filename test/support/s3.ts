import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../devcluster/ports.ts';
import { ManagedProcess, removeOnExit } from '../../devcluster/process.ts';
import { ensureS3Server } from '../../devcluster/tools.ts';

export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The gateway's log (stdout and stderr). */
  logPath: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

/**
 * A real Versity Gateway (versitygw) on 127.0.0.1 with a free port, its posix backend on a
 * fresh temp dir (the backend keeps metadata in user xattrs, which /tmp on ext4 has) and
 * bucket versioning enabled (`--versioning-dir`), which Object Lock requires. Single-account
 * mode: the root credentials below are the only ones. Killed and removed when the test
 * process exits, if not stopped before.
 */
export async function startS3Server(): Promise<S3Server> {
  const bin = await ensureS3Server();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-s3-'));
  const forget = removeOnExit(dir);
  const data = path.join(dir, 'data');
  const versions = path.join(dir, 'versions');
  mkdirSync(data);
  mkdirSync(versions);
  const region = 'us-east-1';
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const logPath = path.join(dir, 'versitygw.log');

  let proc: ManagedProcess | undefined;
  let port = 0;
  // A free port can be taken between the probe and the gateway's bind: try a few.
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    const candidate = new ManagedProcess(
      'versitygw',
      bin,
      [
        '--port',
        `127.0.0.1:${port}`,
        '--access',
        accessKeyId,
        '--secret',
        secretAccessKey,
        '--region',
        region,
        'posix',
        '--versioning-dir',
        versions,
        data,
      ],
      logPath,
    );
    try {
      await candidate.waitUntil(`listening on port ${port}`, () => answersHttp(port), READY_TIMEOUT_MS);
      proc = candidate;
    } catch (err) {
      await candidate.stop(1000);
      if (attempt >= 3) throw err;
    }
  }
  const running = proc;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    accessKeyId,
    secretAccessKey,
    logPath,
    stop: async () => {
      await running.stop();
      forget();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** True once an HTTP server answers on the port (any status: unauthenticated requests get 403). */
async function answersHttp(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
