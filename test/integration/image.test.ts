import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hackPath, runBuildScript } from '../../devcluster/build-script.ts';
import { ensureCosign } from '../../devcluster/tools.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { adminClient, TEST_SHARD_LABEL, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { type OperatorProcess, operatorKubeconfigFile, spawnOperatorCommand } from '../support/process.ts';
import { runTool } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';

/**
 * The container image as a partner's cluster would run it, without a Docker engine: built by
 * hack/build-image.sh (cached by its inputs), checked by umoci and skopeo, signed and verified
 * with cosign, its root filesystem unpacked and its entrypoint run in a chroot, read-only but
 * for a tmpfs /tmp, as uid 65532, against the test control plane: it must reconcile a Tenant to
 * Ready. Its own shard, so no other test operator serves that Tenant.
 */
const UID = 65532;
const SHARD = uniqueName('image');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-image-'));
let out: string;
let image: { repository: string; tag: string; digest: string; inputs: string };
let admin: KubeClient;
let cosign: string;
const layout = () => `${out}/oci:${image.tag}`;

async function tool(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await runTool(bin, args, env);
  expect(r.code, `${bin} ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

async function build(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const stdout = await tool('bash', [hackPath('build-image.sh'), ...args], env);
  return stdout.trim().split('\n').pop() ?? '';
}

beforeAll(async () => {
  admin = await adminClient();
  cosign = await ensureCosign();
  // About 30 s on two cores the first time for these inputs, then found in the cache.
  out = await runBuildScript('build-image.sh');
  image = JSON.parse(readFileSync(path.join(out, 'image.json'), 'utf8'));
}, 600_000);

afterAll(async () => {
  await admin.delete(TenantResource, `${SHARD}-t`).catch(() => {});
  admin.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the container image', () => {
  it('is a valid OCI layout and a docker-archive of the same image', async () => {
    const stat = await tool('umoci', ['stat', '--json', '--image', layout()]);
    expect(JSON.parse(stat).history).toHaveLength(3);
    const inspect = JSON.parse(await tool('skopeo', ['inspect', `oci:${layout()}`]));
    expect(inspect.Digest).toBe(image.digest);
    expect(inspect.Layers).toHaveLength(3);
    const raw = JSON.parse(await tool('skopeo', ['inspect', '--config', `oci:${layout()}`]));
    expect(raw.config.User).toBe(`${UID}:${UID}`);
    expect(raw.config.Entrypoint).toEqual(['/usr/local/bin/node', '/app/cmd/main.ts']);
    expect(raw.config.Cmd).toEqual(['run']);
    const archive = `docker-archive:${out}/image.tar`;
    const fromTar = JSON.parse(await tool('skopeo', ['inspect', '--config', archive]));
    expect(fromTar.rootfs.diff_ids).toEqual(raw.rootfs.diff_ids);
  });

  it('is the image bundles/image.json pins, when built from the inputs the pin was made from', () => {
    const pin = JSON.parse(readFileSync(new URL('../../bundles/image.json', import.meta.url), 'utf8'));
    expect(pin).toMatchObject({ repository: image.repository, tag: image.tag });
    expect(pin.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The pin is written at release time (`npm run image`); between releases the code moves on.
    if (pin.inputs === image.inputs) expect(pin.digest).toBe(image.digest);
    else
      console.info(
        `bundles/image.json pins ${pin.digest}, built from other inputs: run npm run image to release`,
      );
  });

  it('builds to the same digest from scratch (reproducible)', async () => {
    const again = await build(['--out', path.join(dir, 'again')]);
    const second = JSON.parse(readFileSync(path.join(again, 'image.json'), 'utf8'));
    expect(second.digest).toBe(image.digest);
    rmSync(again, { recursive: true, force: true });
  }, 300_000);

  it('is signed over its digest and carries an SBOM attested to it; tampering is refused', async () => {
    const home = path.join(dir, 'cosign');
    const env = { HOME: home, TUF_ROOT: path.join(home, 'tuf'), COSIGN_PASSWORD: '' };
    await tool(cosign, ['generate-key-pair', '--output-key-prefix', path.join(dir, 'release')], env);
    // Signing writes beside the layout: sign a copy, not the shared cache (the build finds
    // its own inputs' build there and only signs).
    const signed = path.join(dir, 'signed');
    await tool('cp', ['-r', out, signed]);
    await build(['--out', signed, '--sign-key', path.join(dir, 'release.key')], { ...env, COSIGN: cosign });
    const manifest = path.join(signed, 'manifest.json');
    expect(`sha256:${(await tool('sha256sum', [manifest])).split(' ')[0]}`).toBe(image.digest);
    const pub = path.join(dir, 'release.pub');
    const verify = (args: string[]) =>
      runTool(cosign, [...args, '--key', pub, '--insecure-ignore-tlog'], env);
    const sig = await verify([
      'verify-blob',
      '--bundle',
      path.join(signed, 'image.sig.bundle.json'),
      manifest,
    ]);
    expect(sig.code, sig.stderr).toBe(0);
    const att = await verify([
      'verify-blob-attestation',
      '--bundle',
      path.join(signed, 'sbom.att.bundle.json'),
      '--type',
      'cyclonedx',
      manifest,
    ]);
    expect(att.code, att.stderr).toBe(0);
    copyFileSync(path.join(out, 'sbom.cdx.json'), path.join(dir, 'other-manifest.json'));
    const wrong = await verify([
      'verify-blob',
      '--bundle',
      path.join(signed, 'image.sig.bundle.json'),
      path.join(dir, 'other-manifest.json'),
    ]);
    expect(wrong.code).not.toBe(0);
  }, 300_000);

  it('runs its entrypoint from the unpacked root filesystem: read-only, uid 65532, a Tenant Ready', async () => {
    const bundle = path.join(dir, 'bundle');
    await tool('umoci', ['unpack', '--image', layout(), bundle]);
    const rootfs = path.join(bundle, 'rootfs');
    // The SBOM inside the image is the one beside the layout; production dependencies only.
    const sbom = readFileSync(path.join(rootfs, 'usr/share/tenantry/sbom.cdx.json'), 'utf8');
    expect(sbom).toBe(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8'));
    const names = (JSON.parse(sbom).components as Array<{ name: string }>).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['@kubernetes/client-node', 'node', 'libc6']));
    expect(names).not.toContain('vitest');
    expect(existsSync(path.join(rootfs, 'app/node_modules/vitest'))).toBe(false);
    expect(readdirSync(path.join(rootfs, 'app/operator/runtime')).some((f) => f.endsWith('.test.ts'))).toBe(
      false,
    );

    const kubeconfig = await operatorKubeconfigFile(admin);
    // A container runtime's view: the image read-only, a tmpfs /tmp, /proc and /dev, then the
    // entrypoint as the image's user. The kubeconfig is the only file put in (into /tmp).
    const script = [
      'set -e',
      'R=$1; shift',
      'mount --bind "$R" "$R"',
      'mount -o remount,bind,ro "$R"',
      'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"',
      'mount -t proc proc "$R/proc"',
      'mount --rbind /dev "$R/dev"',
      `install -m 0600 -o ${UID} -g ${UID} "$KC" "$R/tmp/kubeconfig"`,
      // The image's environment, not ours (no NODE_OPTIONS or extra CAs from this machine).
      'C=$(command -v chroot)',
      `exec env -i PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production HOME=/tmp "$C" --userspec=${UID}:${UID} "$R" /usr/local/bin/node /app/cmd/main.ts "$@"`,
    ].join('\n');
    const args = ['run', '--kubeconfig', '/tmp/kubeconfig', '--probe-address', '127.0.0.1:0'];
    args.push('--no-leader-elect', '--shard', `${TEST_SHARD_LABEL}=${SHARD}`);
    const op: OperatorProcess = spawnOperatorCommand(
      'unshare',
      ['--mount', '--fork', '--kill-child', 'sh', '-c', script, 'sh', rootfs, ...args],
      { PATH: `${process.env.PATH}:/usr/sbin:/sbin`, KC: kubeconfig },
    );
    let pid: number | undefined;
    try {
      await op.probePort().catch((e) => {
        throw new Error(`${e.message}; its log:\n${op.logs.map((l) => JSON.stringify(l)).join('\n')}`);
      });
      pid = await waitFor('the image operator process', () => imageOperatorPid(SHARD));
      expect(uidOf(pid)).toBe(UID);
      // Writing outside /tmp is refused, and the operator still runs: it needs no more.
      expect(readFileSync(`/proc/${pid}/mounts`, 'utf8')).toMatch(/ \/ \S+ ro[ ,]/);

      const name = `${SHARD}-t`;
      await admin.create(TenantResource, tenantManifest(name, {}, { [TEST_SHARD_LABEL]: SHARD }));
      const t = await waitReady(admin, name, 90_000);
      expect(t.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(op.logs.some((l) => l.level === 50 || l.level === 60)).toBe(false);
    } finally {
      // SIGTERM to the operator, as the kubelet sends it; unshare exits with it. (unshare's
      // --kill-child cannot reach it: changing uid clears the parent-death signal.)
      if (pid) process.kill(pid, 'SIGTERM');
      else op.child.kill('SIGKILL');
      await op.exited;
    }
  }, 180_000);
});

/** The node process whose command line carries this test's shard (it runs inside the chroot). */
function imageOperatorPid(shard: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] === '/usr/local/bin/node' && argv.some((a) => a.endsWith(`=${shard}`)))
        return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}
