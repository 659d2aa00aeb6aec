import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLayout, type ImageConfig } from './oci.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-oci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config: ImageConfig = {
  user: '65532:65532',
  entrypoint: ['/bin/true'],
  cmd: ['run'],
  workingDir: '/app',
  env: { PATH: '/bin' },
  labels: { 'org.opencontainers.image.version': '0.0.0' },
};

const EPOCH = 1_700_000_000;

/**
 * The digest of a one-layer image of a small tree as a checkout could leave it: its file
 * times and umask are the checkout's own.
 */
function digestOf(
  name: string,
  tree: { mtime: number; mode: number; content?: string },
  epoch = EPOCH,
): string {
  const root = path.join(dir, `${name}-tree`);
  mkdirSync(path.join(root, 'app/lib'), { recursive: true });
  const file = path.join(root, 'app/lib/a.ts');
  writeFileSync(file, tree.content ?? 'export const a = 1;\n');
  writeFileSync(path.join(root, 'app/run'), '#!/bin/sh\n');
  chmodSync(path.join(root, 'app/run'), 0o755);
  chmodSync(file, tree.mode);
  utimesSync(file, tree.mtime, tree.mtime);
  return buildLayout(path.join(dir, name), 't', [{ dir: root, what: 'x' }], config, epoch);
}

const hasUmoci = (() => {
  try {
    execFileSync('umoci', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// The whole image's double build is in test/integration/image.test.ts; this is the same
// path on a tree small enough for the unit run.
describe.runIf(hasUmoci)('buildLayout', () => {
  it('gives the same digest for the same content whatever the files’ times and umask', () => {
    const a = digestOf('a', { mtime: 1, mode: 0o600 });
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digestOf('b', { mtime: 2e9, mode: 0o664 })).toBe(a);
  });

  it('gives another digest for another epoch or other content', () => {
    const digests = [
      digestOf('c', { mtime: 1, mode: 0o644 }),
      digestOf('d', { mtime: 1, mode: 0o644 }, EPOCH + 1),
      digestOf('e', { mtime: 1, mode: 0o644, content: 'export const a = 2;\n' }),
    ];
    expect(new Set(digests).size).toBe(3);
  });
});
