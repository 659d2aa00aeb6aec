import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { probe } from './probe.ts';
import { ManagedProcess } from './process.ts';

export interface Etcd {
  process: ManagedProcess;
  url: string;
}

export async function startEtcd(binDir: string, dir: string, port: number, timeoutMs: number): Promise<Etcd> {
  const dataDir = join(dir, 'etcd-data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const url = `http://127.0.0.1:${port}`;
  const proc = new ManagedProcess(
    'etcd',
    join(binDir, 'etcd'),
    [
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      // Port 0: a single member never talks to peers, but etcd insists on a peer listener.
      '--listen-peer-urls=http://localhost:0',
      // Throwaway data: durability costs startup time and test latency for nothing.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
  );
  try {
    await proc.waitUntil(
      'healthy',
      async () => {
        const res = await probe(`${url}/health`, { timeoutMs: 1000 }).catch(() => undefined);
        return res?.status === 200 && res.body.includes('"health":"true"');
      },
      timeoutMs,
    );
  } catch (err) {
    await proc.stop(1000);
    throw err;
  }
  return { process: proc, url };
}
