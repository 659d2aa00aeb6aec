import { access, constants, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { hackPath, runBuildScript } from './build-script.ts';

export const binaryNames = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
] as const;
export type BinaryName = (typeof binaryNames)[number];

const buildScript = 'build-controlplane.sh';

export interface Versions {
  kube: string;
  etcd: string;
}

/** The pinned versions from hack/versions.env (the single source of truth for the build script too). */
export async function readVersions(): Promise<Versions> {
  const text = await readFile(hackPath('versions.env'), 'utf8');
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=["']?([^"'\s#]*)["']?/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) vars.set(m[1], m[2]);
  }
  const kube = vars.get('KUBE_VERSION');
  const etcd = vars.get('ETCD_VERSION');
  if (!kube || !etcd) throw new Error(`hack/versions.env must set KUBE_VERSION and ETCD_VERSION`);
  return { kube, etcd };
}

/** Where build-controlplane.sh puts the binaries; mirrors the path logic in the script. */
export function binDirFor(versions: Versions, env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.TENANTRY_CACHE || join(homedir(), '.cache', 'tenantry');
  return join(cacheRoot, 'controlplane', `kube-${versions.kube}-etcd-${versions.etcd}`, 'bin');
}

async function missingBinaries(binDir: string): Promise<BinaryName[]> {
  const missing: BinaryName[] = [];
  for (const name of binaryNames) {
    try {
      await access(join(binDir, name), constants.X_OK);
    } catch {
      missing.push(name);
    }
  }
  return missing;
}

export interface EnsureBinariesOptions {
  /** Receives the build's progress lines. Defaults to writing them to stderr. */
  onProgress?: (line: string) => void;
}

/**
 * Returns the directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
 * kubectl at the pinned versions, building whatever is missing first.
 */
export async function ensureBinaries(opts: EnsureBinariesOptions = {}): Promise<string> {
  const binDir = binDirFor(await readVersions());
  const missing = await missingBinaries(binDir);
  if (missing.length === 0) return binDir;

  const progress = opts.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  progress(
    `tenantry: building ${missing.join(', ')} from source into ${binDir}. ` +
      'A cold build takes tens of minutes; later runs reuse the cache.',
  );
  const built = await runBuildScript(buildScript, progress);
  const stillMissing = await missingBinaries(built);
  if (stillMissing.length > 0) {
    throw new Error(
      `${hackPath(buildScript)} finished but ${stillMissing.join(', ')} is missing from ${built}`,
    );
  }
  return built;
}
