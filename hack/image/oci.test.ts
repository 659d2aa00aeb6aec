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

/** A small tree as two checkouts could leave it: other times, other umasks. */
function tree(name: string, mtime: number, mode: number): string {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'app/lib'), { recursive: true });
  writeFileSync(path.join(root, 'app/lib/a.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, 'app/run'), '#!/bin/sh\n');
  chmodSync(path.join(root, 'app/run'), 0o755);
  chmodSync(path.join(root, 'app/lib/a.ts'), mode);
  utimesSync(path.join(root, 'app/lib/a.ts'), mtime, mtime);
  return root;
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
    const a = buildLayout(
      path.join(dir, 'a'),
      't',
      [{ dir: tree('ta', 1, 0o600), what: 'x' }],
      config,
      1_700_000_000,
    );
    const b = buildLayout(
      path.join(dir, 'b'),
      't',
      [{ dir: tree('tb', 2e9, 0o664), what: 'x' }],
      config,
      1_700_000_000,
    );
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('gives another digest for another epoch or other content', () => {
    const base = buildLayout(
      path.join(dir, 'c'),
      't',
      [{ dir: tree('tc', 1, 0o644), what: 'x' }],
      config,
      1_700_000_000,
    );
    const later = buildLayout(
      path.join(dir, 'd'),
      't',
      [{ dir: tree('td', 1, 0o644), what: 'x' }],
      config,
      1_700_000_001,
    );
    const other = tree('te', 1, 0o644);
    writeFileSync(path.join(other, 'app/lib/a.ts'), 'export const a = 2;\n');
    const changed = buildLayout(path.join(dir, 'e'), 't', [{ dir: other, what: 'x' }], config, 1_700_000_000);
    expect(new Set([base, later, changed]).size).toBe(3);
  });
});
