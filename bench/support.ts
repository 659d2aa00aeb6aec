// What the benchmarks share: percentiles, polling with a deadline, and `tenantry run` as a
// process of its own (so /proc tells its CPU and memory from the API server's) with the
// operator's ServiceAccount, as a real installation runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../operator/install/token.ts';
import type { KubeClient } from '../operator/runtime/kube/client.ts';

const MAIN = new URL('../cmd/main.ts', import.meta.url).pathname;

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** `tenantry run` with the operator's ServiceAccount kubeconfig (written into `dir`), logging errors only. */
export async function spawnOperator(
  admin: KubeClient,
  kc: KubeConfig,
  dir: string,
  args: string[],
): Promise<{ child: ChildProcess; kubeconfig: string }> {
  const saKc = await serviceAccountKubeConfig(admin, kc, DEFAULT_NAMESPACE, OPERATOR_NAME);
  const kubeconfig = join(dir, 'operator.kubeconfig');
  writeFileSync(kubeconfig, saKc.exportConfig(), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [MAIN, 'run', '--kubeconfig', kubeconfig, '--probe-address', '0', '--log-level', 'error', ...args],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return { child, kubeconfig };
}
