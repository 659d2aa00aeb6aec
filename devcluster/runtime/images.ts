import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageConfig } from './container-spec.ts';

const run = promisify(execFile);

/** An image the node has "pulled": its unpacked root filesystem and config. */
export interface LocalImage {
  digest: string;
  rootfs: string;
  config: ImageConfig;
}

/** The kubelet's ErrImagePull: no image by that reference is on this node and there is no registry. */
export class ImagePullError extends Error {}

interface Known {
  layout: string;
  tag: string;
  digest: string;
  config: ImageConfig;
}

const MOUNT_POINTS = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

/**
 * The images a node can run, from OCI layouts on this machine (hack/build-image.sh builds one):
 * there is no registry here, so "pulling" is finding the reference among them, by digest or by
 * repository:tag. Each image is unpacked once per digest with umoci into `cacheDir`: content
 * addressed, so runs share it.
 */
export class ImageStore {
  private readonly byDigest = new Map<string, Known>();
  private readonly byName = new Map<string, Known>();
  private readonly unpacking = new Map<string, Promise<LocalImage>>();
  private readonly cacheDir: string;

  constructor(cacheDir: string) {
    this.cacheDir = cacheDir;
  }

  /** Adds the image `tag` of an OCI layout, known also as `repository:tag`. */
  async add(layout: string, tag: string, repository?: string): Promise<string> {
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
    const entry = (index.manifests as Array<{ digest: string; annotations?: Record<string, string> }>).find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
    );
    if (!entry) throw new Error(`${layout} has no image tagged ${tag}`);
    const blob = (d: string) => readFile(join(layout, 'blobs', ...d.split(':')), 'utf8');
    const manifest = JSON.parse(await blob(entry.digest));
    const cfg = JSON.parse(await blob(manifest.config.digest)).config ?? {};
    const known: Known = {
      layout,
      tag,
      digest: entry.digest,
      config: {
        user: cfg.User ?? '',
        entrypoint: cfg.Entrypoint ?? [],
        cmd: cfg.Cmd ?? [],
        env: cfg.Env ?? [],
      },
    };
    this.byDigest.set(entry.digest, known);
    if (repository) this.byName.set(`${repository}:${tag}`, known);
    return entry.digest;
  }

  /** Finds and unpacks the image a container names. */
  pull(reference: string): Promise<LocalImage> {
    const at = reference.indexOf('@');
    const known = at >= 0 ? this.byDigest.get(reference.slice(at + 1)) : this.byName.get(reference);
    if (!known)
      return Promise.reject(new ImagePullError(`image ${reference} is not on this node (no registry here)`));
    let p = this.unpacking.get(known.digest);
    if (!p) {
      p = this.unpack(known);
      this.unpacking.set(known.digest, p);
      p.catch(() => this.unpacking.delete(known.digest));
    }
    return p;
  }

  private async unpack(k: Known): Promise<LocalImage> {
    const dir = join(this.cacheDir, k.digest.replace(':', '-'));
    const rootfs = join(dir, 'rootfs');
    if (!existsSync(join(dir, '.complete'))) {
      const tmp = `${dir}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      await mkdir(this.cacheDir, { recursive: true });
      await run('umoci', ['unpack', '--image', `${k.layout}:${k.tag}`, tmp], { maxBuffer: 16 << 20 });
      // What a container runtime creates in a container's root for the kubelet's files.
      for (const f of MOUNT_POINTS) await writeFile(join(tmp, 'rootfs', f), '', { flag: 'a' });
      await mkdir(join(tmp, 'rootfs', 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
      await writeFile(join(tmp, '.complete'), k.digest);
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    }
    return { digest: k.digest, rootfs, config: k.config };
  }
}
