// Turns staged directories into an OCI image layout with umoci, one layer per directory, and
// the layout into a `docker load`-able tarball with skopeo. Everything that could differ
// between two builds of the same inputs is pinned here: file times, modes, owners, the
// config's and the history's timestamps.
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, lutimesSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ImageConfig {
  /** e.g. 65532:65532; numeric, so the kubelet can enforce runAsNonRoot. */
  user: string;
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
}

export interface Layer {
  /** A directory whose contents become the image's root (`/`) in this layer. */
  dir: string;
  /** The history entry's created_by, so `docker history` says what each layer is. */
  what: string;
}

function run(bin: string, args: string[]): string {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Sets every entry under `dir` to the same mtime and to modes that depend on nothing but
 * whether a file is executable: a checkout's umask or npm's extraction times must not reach
 * the layer's bytes. Sticky directories (/tmp) keep their mode.
 */
export function normalizeTree(dir: string, epochSeconds: number): void {
  const visit = (p: string) => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) visit(path.join(p, name));
      if ((st.mode & 0o1000) === 0) chmodSync(p, 0o755);
    } else if (st.isFile()) {
      chmodSync(p, st.mode & 0o111 ? 0o755 : 0o644);
    }
    lutimesSync(p, epochSeconds, epochSeconds);
  };
  visit(dir);
}

/**
 * Builds `layout` (an OCI image layout directory, which must not exist) tagged `tag`, and
 * returns the manifest digest. The history entries are kept, with fixed timestamps: tools
 * that show an image's history expect one entry per layer.
 */
export function buildLayout(
  layout: string,
  tag: string,
  layers: Layer[],
  config: ImageConfig,
  epochSeconds: number,
): string {
  const created = new Date(epochSeconds * 1000).toISOString();
  const image = `${layout}:${tag}`;
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', image]);
  for (const layer of layers) {
    normalizeTree(layer.dir, epochSeconds);
    run('umoci', [
      'insert',
      '--image',
      image,
      '--history.created',
      created,
      '--history.created_by',
      layer.what,
      layer.dir,
      '/',
    ]);
  }
  const args = ['config', '--image', image, '--no-history', '--created', created];
  args.push('--os', 'linux', '--architecture', 'amd64', '--config.user', config.user);
  args.push('--config.workingdir', config.workingDir);
  for (const e of config.entrypoint) args.push('--config.entrypoint', e);
  for (const c of config.cmd) args.push('--config.cmd', c);
  for (const [k, v] of Object.entries(config.env)) args.push('--config.env', `${k}=${v}`);
  for (const [k, v] of Object.entries(config.labels)) args.push('--config.label', `${k}=${v}`);
  run('umoci', args);
  // insert and config each leave the previous manifest and config behind.
  run('umoci', ['gc', '--layout', layout]);
  return manifestDigest(layout, tag);
}

/** The manifest digest the layout's index names for `tag`. */
export function manifestDigest(layout: string, tag: string): string {
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const m = index.manifests.find((x) => x.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!m) throw new Error(`${layout}: no manifest tagged ${tag} in index.json`);
  return m.digest;
}

/** The manifest's bytes: what a signature over the image's digest signs. */
export function manifestPath(layout: string, digest: string): string {
  return path.join(layout, 'blobs', ...digest.split(':'));
}

/** Writes the layout's image as a tarball `docker load` takes, named `reference`. */
export function dockerArchive(layout: string, tag: string, file: string, reference: string): void {
  run('skopeo', ['copy', '--quiet', `oci:${layout}:${tag}`, `docker-archive:${file}:${reference}`]);
}
