import { spawn } from 'node:child_process';
import { inject } from 'vitest';

const MAIN = new URL('../../cmd/main.ts', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `tenantry` CLI against the test cluster, with no terminal (as scripts do), as
 * the admin or with another user's kubeconfig.
 */
export function tenantry(
  args: string[],
  opts: { onStderr?: (chunk: string) => void; kubeconfig?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, KUBECONFIG: opts.kubeconfig ?? inject('kubeconfig') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      opts.onStderr?.(c);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
