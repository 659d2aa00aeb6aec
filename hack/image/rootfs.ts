// Stages the image's three layers as directories, most stable first so a pull after a code
// change fetches only the last: the runtime (Node and the libraries it loads), the production
// dependencies, the app.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appFiles } from './inputs.ts';
import type { ExtraComponent } from './sbom.ts';

export const UID = 65532;
export const APP_DIR = '/app';
export const NODE_PATH = '/usr/local/bin/node';
/** Where the SBOM sits inside the image (and, as sbom.cdx.json, beside the layout). */
export const SBOM_PATH = '/usr/share/tenantry/sbom.cdx.json';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function put(root: string, target: string, from: string): void {
  const dest = path.join(root, target);
  mkdirSync(path.dirname(dest), { recursive: true });
  // Dereferenced: the image has no use for the host's symlink chains.
  copyFileSync(from, dest);
}

/**
 * The runtime layer: Node at NODE_PATH, each library at the path the loader asks for, a
 * passwd entry for the non-root user, an empty /tmp (the one writable place, as a volume or
 * tmpfs) and mount points for /proc and /dev.
 */
export function stageRuntime(dir: string, node: string, libs: string[]): ExtraComponent[] {
  put(dir, NODE_PATH, node);
  chmodSync(path.join(dir, NODE_PATH), 0o755);
  for (const lib of libs) put(dir, lib, lib);
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  writeFileSync(
    path.join(dir, 'etc/passwd'),
    `root:x:0:0:root:/root:/sbin/nologin\ntenantry:x:${UID}:${UID}:tenantry:/tmp:/sbin/nologin\n`,
  );
  writeFileSync(path.join(dir, 'etc/group'), `root:x:0:\ntenantry:x:${UID}:\n`);
  for (const d of ['tmp', 'proc', 'dev']) mkdirSync(path.join(dir, d), { recursive: true });
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  return [
    {
      name: 'node',
      version: nodeVersion,
      purl: `pkg:generic/node@${nodeVersion}?download_url=https://nodejs.org/dist/v${nodeVersion}/`,
      path: NODE_PATH,
      sha256: sha256(node),
    },
    ...libs.map((lib) => ({ ...debianPackage(lib), path: lib, sha256: sha256(lib) })),
  ];
}

/** The Debian package a library came from, for the SBOM; a generic entry on other hosts. */
function debianPackage(lib: string): { name: string; version: string; purl: string } {
  try {
    const owner = execFileSync('dpkg', ['-S', lib], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pkg = owner.split(':')[0]?.trim() ?? '';
    // "libc6:amd64\t2.36-9+deb12u13": the package and its version.
    const shown = execFileSync('dpkg-query', ['--show', pkg], { encoding: 'utf8' }).trim();
    const version = shown.split('\t')[1] ?? 'unknown';
    return { name: pkg, version, purl: `pkg:deb/debian/${pkg}@${encodeURIComponent(version)}?arch=amd64` };
  } catch {
    const name = path.basename(lib);
    return { name, version: 'unknown', purl: `pkg:generic/${name}` };
  }
}

/**
 * The production dependencies, installed from package-lock.json alone and offline (from the
 * npm cache `npm ci` filled): no dev dependency can slip in, and no install script runs (the
 * `node` package's would fetch a second Node). Returns `npm sbom` of that tree.
 */
export function stageDependencies(dir: string, root: string): string {
  const app = path.join(dir, APP_DIR);
  mkdirSync(app, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, f), path.join(app, f));
  const npm = (args: string[]) =>
    execFileSync('npm', args, {
      cwd: app,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      },
    });
  npm(['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);
  const sbom = npm(['sbom', '--omit=dev', '--package-lock-only', '--sbom-format=cyclonedx']);
  // The manifests belong to the app layer; this layer is node_modules alone.
  for (const f of ['package.json', 'package-lock.json']) rmSync(path.join(app, f));
  return sbom;
}

/** The app layer: the CLI's sources as they are in the working tree, and the SBOM. */
export function stageApp(dir: string, root: string, sbom: string): void {
  for (const f of appFiles(root)) put(dir, path.join(APP_DIR, f), path.join(root, f));
  mkdirSync(path.join(dir, path.dirname(SBOM_PATH)), { recursive: true });
  writeFileSync(path.join(dir, SBOM_PATH), sbom);
}
