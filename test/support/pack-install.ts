// A partner's install of the distribution pack on a fresh local control plane, as the README
// tells it (kubectl apply -k, kubectl wait, tenantry validate), with the operator running from
// the image in real pods: nodes that run containers (devcluster/runtime/). Shared by the
// install test and the install benchmark; no vitest here, so a plain script can use it.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBuildScript } from '../../devcluster/build-script.ts';
import { type ControlPlane, startControlPlane } from '../../devcluster/controlplane.ts';
import { type NodeSimulator, startNodeSimulator } from '../../devcluster/nodes.ts';
import { ImageStore } from '../../devcluster/runtime/images.ts';
import { TENANT_API_SERVICE_NAME } from '../../operator/tenantapi/names.ts';
import { runTool, type ToolResult } from './tools.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'cmd/main.ts');

/** The image as hack/build-image.sh builds it from this checkout, ready for the nodes to run. */
/** The pack's version: the operator's (package.json), the folder under bundles/. */
async function packVersion(): Promise<string> {
  return JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version;
}

export interface PackImage {
  images: ImageStore;
  repository: string;
  digest: string;
}

export async function buildPackImage(): Promise<PackImage> {
  const out = await runBuildScript('build-image.sh');
  const built = JSON.parse(await readFile(join(out, 'image.json'), 'utf8'));
  const cache = process.env.TENANTRY_CACHE ?? join(homedir(), '.cache/tenantry');
  const images = new ImageStore(join(cache, 'image-rootfs'));
  await images.add(join(out, 'oci'), built.tag, built.repository);
  return { images, repository: built.repository, digest: built.digest };
}

export interface PackCluster {
  cp: ControlPlane;
  nodes: NodeSimulator;
  /** Scratch directory: the partner's kustomization, pod logs, evidence. */
  dir: string;
  kubectl(...args: string[]): Promise<ToolResult>;
  /** `tenantry ...` with this cluster's admin kubeconfig. */
  tenantry(...args: string[]): Promise<ToolResult>;
  stop(): Promise<void>;
}

/** A fresh control plane and `nodes` nodes in eu-west-1 (the pack's default region) that run containers. */
export async function startPackCluster(
  image: PackImage,
  opts: { nodes?: number } = {},
): Promise<PackCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-pack-'));
  // The aggregator dials the tenant API Service's endpoints (pod IPs, routable from the host)
  // instead of its cluster IP, which nothing here serves (no kube-proxy). Only on these fresh
  // control planes: endpoint routing refuses ExternalName Services, the route the shared test
  // cluster's operators (processes on the host) use.
  const cp = await startControlPlane({ apiServerArgs: ['--enable-aggregator-routing=true'] });
  let nodes: NodeSimulator;
  try {
    nodes = await startNodeSimulator(cp.kubeconfigPath, {
      count: opts.nodes ?? 3,
      regions: ['eu-west-1'],
      containers: { images: image.images, dir: join(dir, 'pods') },
    });
  } catch (e) {
    await cp.stop();
    throw e;
  }
  const kubectlBin = join(cp.binDir, 'kubectl');
  return {
    cp,
    nodes,
    dir,
    kubectl: (...args) => runTool(kubectlBin, ['--kubeconfig', cp.kubeconfigPath, ...args]),
    tenantry: (...args) => runTool(process.execPath, [MAIN, ...args], { KUBECONFIG: cp.kubeconfigPath }),
    stop: async () => {
      await nodes.stop();
      await cp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface InstallTimings {
  /** From the first apply to the bundle Ready (operator Available included). */
  installMs: number;
}

export class InstallError extends Error {}

/**
 * The README's install for one profile: CRDs (and the Prometheus Operator's, as a cluster
 * with metrics scraping has them), then the partner's kustomization over the overlay with the
 * image pointed at the local build (what a partner mirroring to a registry of her own does),
 * then the waits.
 */
export async function installProfile(
  c: PackCluster,
  profile: string,
  image: PackImage,
): Promise<InstallTimings> {
  const started = performance.now();
  const must = async (...args: string[]) => {
    const r = await c.kubectl(...args);
    if (r.code !== 0) throw new InstallError(`kubectl ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const version = await packVersion();
  const pack = join(ROOT, 'bundles', version);
  const monitoring = await runBuildScript('fetch-monitoring-crds.sh', () => {});
  await must('apply', '--server-side', '-f', monitoring);
  await must('apply', '--server-side', '-k', join(pack, 'crds'));
  await must('wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s');
  await must('apply', '--server-side', '-k', await mirrored(c, join(pack, 'overlays', profile), image));
  await must(
    '-n',
    'tenantry-system',
    'wait',
    '--for=condition=Available',
    'deployment/tenantry',
    '--timeout=180s',
  );
  await must('wait', '--for=condition=Ready', 'distributionbundle/tenantry', '--timeout=120s');
  await must('wait', '--for=condition=Available', `apiservice/${TENANT_API_SERVICE_NAME}`, '--timeout=120s');
  return { installMs: performance.now() - started };
}

/** The profile's overlay applied again, as a partner upgrading or re-running the guide does. */
export async function reapplyProfile(c: PackCluster, profile: string, image: PackImage): Promise<ToolResult> {
  const version = await packVersion();
  return c.kubectl(
    'apply',
    '--server-side',
    '-k',
    await mirrored(c, join(ROOT, 'bundles', version, 'overlays', profile), image),
  );
}

/**
 * The partner's own kustomization over a folder of the pack, with the image pointed at the
 * local build (what a partner mirroring it to a registry of her own writes).
 */
async function mirrored(c: PackCluster, folder: string, image: PackImage): Promise<string> {
  const partner = await mkdtemp(join(c.dir, 'partner-'));
  await writeFile(
    join(partner, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${relative(partner, folder)}`,
      'images:',
      `  - name: ${image.repository}`,
      `    digest: ${image.digest}`,
      '',
    ].join('\n'),
  );
  return partner;
}

/** The pack's validation/ folder: the suite as a Job, applied and waited for as the README says. */
export async function runValidationJob(c: PackCluster, image: PackImage): Promise<ToolResult> {
  const version = await packVersion();
  const applied = await c.kubectl(
    'apply',
    '--server-side',
    '-k',
    await mirrored(c, join(ROOT, 'bundles', version, 'validation'), image),
  );
  if (applied.code !== 0) return applied;
  return c.kubectl(
    '-n',
    'tenantry-system',
    'wait',
    '--for=condition=complete',
    'job/tenantry-validation',
    '--timeout=240s',
  );
}

/**
 * `tenantry validate` with evidence signed by a partner key of her own, or without one by the
 * operator; the report is its JSON.
 */
export async function validateInstall(
  c: PackCluster,
  keyPem?: string,
): Promise<{ code: number; report: ValidationReport; evidence: string; durationMs: number; stderr: string }> {
  const evidence = await mkdtemp(join(c.dir, 'evidence-'));
  const signing: string[] = [];
  if (keyPem !== undefined) {
    const key = join(c.dir, 'partner.key');
    await writeFile(key, keyPem, { mode: 0o600 });
    signing.push('--key', key);
  }
  const started = performance.now();
  const r = await c.tenantry(
    'validate',
    '--bundle',
    'tenantry',
    '-o',
    'json',
    '--evidence',
    evidence,
    ...signing,
  );
  const durationMs = performance.now() - started;
  let report: ValidationReport;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new InstallError(`tenantry validate exited ${r.code} without a report: ${r.stderr}`);
  }
  return { code: r.code, report, evidence, durationMs, stderr: r.stderr };
}

export interface ValidationReport {
  verdict: string;
  results: Array<{ id: string; outcome: string; message: string; remediation?: string }>;
}

/**
 * The operator's published public keys (ConfigMap tenantry-public-keys), each written to
 * `<dir>/<keyId>.pem`, as a partner fetches them with kubectl; key id → file.
 */
export async function publishedKeys(c: PackCluster, dir: string): Promise<Record<string, string>> {
  const r = await c.kubectl(
    '-n',
    'tenantry-system',
    'get',
    'configmap',
    'tenantry-public-keys',
    '-o',
    'json',
  );
  if (r.code !== 0) throw new InstallError(`no tenantry-public-keys: ${r.stderr}`);
  const files: Record<string, string> = {};
  for (const [name, pem] of Object.entries(JSON.parse(r.stdout).data as Record<string, string>)) {
    if (!name.endsWith('.pem')) continue;
    await writeFile(join(dir, name), pem);
    files[name.slice(0, -'.pem'.length)] = join(dir, name);
  }
  return files;
}

/** The operator pods' log files on the nodes, for a failure message. */
export async function operatorLogs(c: PackCluster): Promise<string> {
  const r = await c.kubectl('-n', 'tenantry-system', 'get', 'pods', '-o', 'wide');
  const pods = join(c.dir, 'pods');
  const logs: string[] = [r.stdout];
  for (const d of await readdir(pods).catch(() => [] as string[])) {
    if (!d.startsWith('tenantry-system_')) continue;
    const text = await readFile(join(pods, d, 'operator.log'), 'utf8').catch(() => '');
    logs.push(`--- ${d}\n${text.split('\n').slice(-30).join('\n')}`);
  }
  return logs.join('\n');
}

/** The shell commands of the README's partner guide (the first sh block under "## Install with kubectl"). */
export async function readmeInstallGuide(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Install with kubectl\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((l) => l.trim() !== '');
}

/**
 * Runs the README's guide as written, in a directory of its own (`bundles` linked to the
 * pack), with kubectl and `tenantry` on the PATH; only the overlay is swapped for the
 * partner's mirror of it. Each command must exit 0.
 */
export async function runReadmeGuide(
  c: PackCluster,
  image: PackImage,
  profile: string,
): Promise<Array<{ command: string } & ToolResult>> {
  const version = await packVersion();
  const overlay = `bundles/${version}/overlays/${profile}`;
  const mirror = await mirrored(c, join(ROOT, overlay), image);
  const cwd = await mkdtemp(join(c.dir, 'guide-'));
  await symlink(join(ROOT, 'bundles'), join(cwd, 'bundles'));
  const bin = join(cwd, '.bin');
  await mkdir(bin);
  await writeFile(join(bin, 'tenantry'), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`, {
    mode: 0o755,
  });
  const env = { KUBECONFIG: c.cp.kubeconfigPath, PATH: `${bin}:${c.cp.binDir}:${process.env.PATH}` };
  const results = [];
  for (const line of await readmeInstallGuide()) {
    const command = line.replace(` -k ${overlay}`, ` -k ${mirror}`);
    const r = await runTool('bash', ['-euo', 'pipefail', '-c', `cd "${cwd}" && ${command}`], env);
    results.push({ command, ...r });
    if (r.code !== 0) break;
  }
  return results;
}
