import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hackPath, runBuildScript } from './build-script.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenantry-build-script-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `set -euo pipefail\n${body}\n`);
  return path;
}

describe('hackPath', () => {
  it('names files under hack/, where the build scripts and versions.env are', () => {
    expect(readFileSync(hackPath('versions.env'), 'utf8')).toContain('KUBE_VERSION=');
  });
});

describe('runBuildScript', () => {
  it("resolves with the script's last stdout line and passes its stderr lines on as progress", async () => {
    const progress: string[] = [];
    const path = script(
      'ok.sh',
      'echo "[b] building" >&2\necho noise\necho /cache/bin/tool\necho\necho "[b] done" >&2',
    );
    await expect(runBuildScript(path, (l) => progress.push(l))).resolves.toBe('/cache/bin/tool');
    expect(progress).toEqual(['[b] building', '[b] done']);
  });

  it('rejects with the exit code and the last progress lines when the script fails', async () => {
    const path = script('fail.sh', 'echo "[b] go: no network" >&2\nexit 3');
    await expect(runBuildScript(path, () => {})).rejects.toThrow(
      `${path} exited with code 3; last output:\n[b] go: no network`,
    );
  });

  it('rejects when the script succeeds without printing a path', async () => {
    await expect(runBuildScript(script('silent.sh', 'true'), () => {})).rejects.toThrow('exited with code 0');
  });

  it('runs a script once for callers that ask together, and again for a later caller', async () => {
    const runs = join(dir, 'runs');
    const path = script('count.sh', `echo run >> ${runs}\nsleep 0.2\necho ${dir}`);
    const together = await Promise.all([runBuildScript(path, () => {}), runBuildScript(path, () => {})]);
    expect(together).toEqual([dir, dir]);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
    await runBuildScript(path, () => {});
    expect(readFileSync(runs, 'utf8')).toBe('run\nrun\n');
  });
});
