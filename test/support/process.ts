import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../../operator/install/token.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { waitFor } from './wait.ts';

const MAIN = new URL('../../cmd/main.ts', import.meta.url).pathname;

/** A `tenantry run` process, as a Deployment replica would run it. */
export interface OperatorProcess {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  identity(): Promise<string>;
  probePort(): Promise<number>;
  metric(name: string): Promise<number>;
  exited: Promise<number | null>;
}

/** Writes a kubeconfig for the operator's ServiceAccount, so processes run with the chart's RBAC. */
export async function operatorKubeconfigFile(admin: KubeClient): Promise<string> {
  const kc = await serviceAccountKubeConfig(
    admin,
    loadKubeConfig(inject('kubeconfig')),
    DEFAULT_NAMESPACE,
    OPERATOR_NAME,
  );
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tenantry-op-')), 'kubeconfig');
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

export function spawnOperator(kubeconfig: string, args: string[] = []): OperatorProcess {
  return spawnOperatorCommand(
    process.execPath,
    [MAIN, 'run', '--kubeconfig', kubeconfig, '--probe-address', '127.0.0.1:0', ...args],
    { ...process.env, KUBECONFIG: '' },
  );
}

/** `tenantry run` started some other way (from the container image's root filesystem). */
export function spawnOperatorCommand(bin: string, argv: string[], env: NodeJS.ProcessEnv): OperatorProcess {
  const child = spawn(bin, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const logs: Array<Record<string, unknown>> = [];
  let buffer = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const fromLogs = <T>(what: string, pick: (l: Record<string, unknown>) => T | undefined) =>
    waitFor(what, () => logs.map(pick).find((v) => v !== undefined), { timeoutMs: 30_000 });
  const probePort = () =>
    fromLogs('the probe port', (l) => (typeof l.port === 'number' ? l.port : undefined));
  return {
    child,
    logs,
    exited,
    identity: () =>
      fromLogs('the identity', (l) => (typeof l.identity === 'string' ? l.identity : undefined)),
    probePort,
    async metric(name: string) {
      const res = await fetch(`http://127.0.0.1:${await probePort()}/metrics`);
      const text = await res.text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
  };
}

/** One `tenantry run` process at a time, killed with SIGKILL and started again by the test. */
export interface KilledOperator {
  start(): OperatorProcess;
  /** SIGKILLs the running process (if any) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Lets the process run for a random while (200 ms up to `maxMs` more), kills it and starts another. */
  disturb(maxMs: number): Promise<void>;
  readonly kills: number;
}

export function killedOperator(kubeconfig: string, args: string[]): KilledOperator {
  let current: OperatorProcess | undefined;
  let kills = 0;
  const start = () => {
    current = spawnOperator(kubeconfig, args);
    return current;
  };
  const kill = async () => {
    const p = current;
    if (!p) return;
    p.child.kill('SIGKILL');
    await p.exited;
    kills++;
    current = undefined;
  };
  return {
    start,
    kill,
    async disturb(maxMs) {
      await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * maxMs)));
      await kill();
      start();
    },
    get kills() {
      return kills;
    },
  };
}
