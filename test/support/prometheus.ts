import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../devcluster/ports.ts';
import { ManagedProcess, removeOnExit } from '../../devcluster/process.ts';
import { ensurePrometheus } from '../../devcluster/tools.ts';

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

export interface PrometheusServer {
  url: string;
  /** An instant query through the HTTP API (`/api/v1/query`), as Grafana runs a panel's query. */
  query(expr: string): Promise<QueryResult>;
  logPath: string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (built by hack/build-prometheus.sh) on 127.0.0.1 with a free port, its
 * TSDB in a fresh temp dir, scraping `targets` every second as job `job`. Nothing leaves the
 * machine: a local config file, static targets, no remote write, no alerting. Killed and
 * removed when the test process exits, if not stopped before.
 */
export async function startPrometheus(opts: { job: string; targets: string[] }): Promise<PrometheusServer> {
  const bin = await ensurePrometheus();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-prometheus-'));
  const forget = removeOnExit(dir);
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: opts.job, static_configs: [{ targets: opts.targets }] }],
    }),
  );
  const logPath = path.join(dir, 'prometheus.log');
  let proc: ManagedProcess | undefined;
  let port = 0;
  // A free port can be taken between the probe and Prometheus' bind: try a few.
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    const candidate = new ManagedProcess(
      'prometheus',
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      logPath,
    );
    try {
      await candidate.waitUntil(`ready on port ${port}`, () => isReady(port), 30_000);
      proc = candidate;
    } catch (err) {
      await candidate.stop(1000);
      if (attempt >= 3) throw err;
    }
  }
  const running = proc;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    logPath,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }),
      });
      return (await res.json()) as QueryResult;
    },
    stop: async () => {
      await running.stop();
      forget();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function isReady(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(500) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
