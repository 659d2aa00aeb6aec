// What goes into the image, and one hash over all of it: the build cache's key, so a build
// with the same inputs is found again instead of made again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The app's own files under /app: what `tenantry run` (and the rest of the CLI) loads. */
const APP_PATHS = ['operator', 'cmd', 'devcluster', 'crds', 'package.json', 'package-lock.json'];
/** The build itself: a change to how the image is made is a change to the image. */
const BUILD_PATHS = ['hack/build-image.ts', 'hack/image'];

/**
 * Left out of /app: tests and their fixtures, and the dashboards-as-data library (it imports
 * the Grafana SDK, a dev dependency, and only the generators load it).
 */
export function isAppFile(file: string): boolean {
  if (file.endsWith('.test.ts')) return false;
  if (file.split('/').includes('testdata') || path.basename(file) === 'testing.ts') return false;
  return !file.startsWith('operator/observability/');
}

/** Tracked and new (not ignored) files, so a module not committed yet is not silently missing. */
export function appFiles(root: string): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...APP_PATHS],
    { cwd: root, encoding: 'utf8' },
  );
  const listed = out.split('\0').filter((f) => f !== '' && isAppFile(f));
  // A file deleted in the working tree is still in the index until the next commit.
  return [...new Set(listed)].filter((f) => existsSync(path.join(root, f))).sort();
}

/**
 * SOURCE_DATE_EPOCH when set, else the time of the last commit that touched the image's
 * inputs (not of HEAD): committing the pinned digest (bundles/image.json) or a README change
 * must not change the image's bytes.
 */
export function sourceDateEpoch(root: string): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined && env !== '') {
    if (!/^\d+$/.test(env)) throw new Error(`SOURCE_DATE_EPOCH: want seconds since 1970, got "${env}"`);
    return Number(env);
  }
  // Tests are not in the image: a commit touching only them leaves it as it was.
  const pathspec = [...APP_PATHS, ...BUILD_PATHS, ':(exclude,glob)**/*.test.ts'];
  const out = execFileSync('git', ['log', '-1', '--format=%ct', '--', ...pathspec], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  if (!/^\d+$/.test(out)) throw new Error(`no commit touches ${APP_PATHS.join(', ')}: set SOURCE_DATE_EPOCH`);
  return Number(out);
}

/** The `node` binary the project brings (the `node` npm package), not whatever runs this script. */
export function projectNode(root: string): string {
  const require = createRequire(path.join(root, 'package.json'));
  return realpathSync(path.join(path.dirname(require.resolve('node/package.json')), 'bin', 'node'));
}

/** The shared libraries `ldd` says a binary loads, as the paths the loader looks them up by. */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return parseLdd(out);
}

export function parseLdd(out: string): string[] {
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)";
    // the vDSO has no file.
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m?.[1]) libs.push(m[1]);
    else if (/=>\s*not found/.test(line)) throw new Error(`ldd: ${line.trim()}`);
  }
  return [...new Set(libs)].sort();
}

/** Hash of everything the image is made of, in a fixed order. */
export function inputsHash(root: string, parts: { epoch: number; node: string; libs: string[] }): string {
  const h = createHash('sha256');
  const add = (name: string, bytes: Buffer | string) => {
    h.update(`${name}\0${Buffer.byteLength(bytes)}\0`);
    h.update(bytes);
  };
  add('epoch', String(parts.epoch));
  add('node', readFileSync(parts.node));
  for (const lib of parts.libs) add(lib, readFileSync(lib));
  const build = BUILD_PATHS.flatMap((p) => listFiles(root, p)).filter((f) => !f.endsWith('.test.ts'));
  for (const f of [...build, ...appFiles(root)]) add(f, readFileSync(path.join(root, f)));
  return h.digest('hex');
}

function listFiles(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  try {
    return readdirSync(abs, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(root, path.join(d.parentPath, d.name)))
      .sort();
  } catch {
    return [rel];
  }
}
