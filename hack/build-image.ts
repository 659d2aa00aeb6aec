// Builds Tenantry's container image without a Docker engine, reproducibly: the same inputs
// (sources, lockfile, Node binary, host libraries, the time of the last commit touching them)
// give the same manifest digest. Output, in one directory:
//   oci/                 the OCI image layout, tagged with the package version
//   image.tar            the same image for `docker load` (skopeo's docker-archive)
//   manifest.json        the manifest's bytes (what the digest is the sha256 of; what is signed)
//   sbom.cdx.json        the CycloneDX SBOM (also inside the image at SBOM_PATH)
//   image.json           {repository, tag, digest, inputs}
//   image.sig.bundle.json, sbom.att.bundle.json   with --sign-key: cosign bundles
//
//   hack/build-image.sh                  build into ~/.cache/tenantry/image/<inputs hash> (cached)
//   hack/build-image.sh --out DIR        build into DIR (a new one, or one holding these inputs' build)
//   hack/build-image.sh --sign-key KEY   also sign (COSIGN_PASSWORD for the key's password)
//   hack/build-image.sh --pin            write the digest to bundles/image.json and the chart
// The last stdout line is the output directory.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputsHash, projectNode, sharedLibraries, sourceDateEpoch } from './image/inputs.ts';
import { buildLayout, dockerArchive, manifestPath } from './image/oci.ts';
import {
  APP_DIR,
  NODE_PATH,
  SBOM_PATH,
  stageApp,
  stageDependencies,
  stageRuntime,
  UID,
} from './image/rootfs.ts';
import { imageSbom } from './image/sbom.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const REPOSITORY = 'ghcr.io/tenantry/tenantry';

export interface ImageRecord {
  repository: string;
  tag: string;
  digest: string;
  /** sha256 of the build's inputs: equal inputs, equal digest. */
  inputs: string;
}

const log = (msg: string) => process.stderr.write(`[build-image] ${msg}\n`);

function build(
  out: string,
  parts: { epoch: number; node: string; libs: string[]; inputs: string },
): ImageRecord {
  const tag = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  const work = `${out}.work`;
  rmSync(work, { recursive: true, force: true });
  const layer = (name: string) => path.join(work, name);
  const started = Date.now();
  const extra = stageRuntime(layer('runtime'), parts.node, parts.libs);
  const npmSbom = JSON.parse(stageDependencies(layer('deps'), root));
  const sbom = `${JSON.stringify(imageSbom(npmSbom, { name: 'tenantry', epochSeconds: parts.epoch, extra }), null, 2)}\n`;
  stageApp(layer('app'), root, sbom);
  log(`staged in ${Date.now() - started} ms`);
  mkdirSync(out, { recursive: true });
  const layout = path.join(out, 'oci');
  const digest = buildLayout(
    layout,
    tag,
    [
      { dir: layer('runtime'), what: `node ${extra[0]?.version} and its shared libraries` },
      { dir: layer('deps'), what: 'npm ci --omit=dev' },
      { dir: layer('app'), what: 'tenantry: operator, cmd, devcluster, crds' },
    ],
    {
      user: `${UID}:${UID}`,
      entrypoint: [NODE_PATH, `${APP_DIR}/cmd/main.ts`],
      cmd: ['run'],
      workingDir: APP_DIR,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_ENV: 'production', HOME: '/tmp' },
      labels: {
        'org.opencontainers.image.title': 'tenantry',
        'org.opencontainers.image.version': tag,
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'dev.tenantry.sbom': SBOM_PATH,
      },
    },
    parts.epoch,
  );
  log(`layout built in ${Date.now() - started} ms: ${digest}`);
  copyFileSync(manifestPath(layout, digest), path.join(out, 'manifest.json'));
  writeFileSync(path.join(out, 'sbom.cdx.json'), sbom);
  dockerArchive(layout, tag, path.join(out, 'image.tar'), `${REPOSITORY}:${tag}`);
  rmSync(work, { recursive: true, force: true });
  const record = { repository: REPOSITORY, tag, digest, inputs: parts.inputs };
  writeFileSync(path.join(out, 'image.json'), `${JSON.stringify(record, null, 2)}\n`);
  log(`done in ${Date.now() - started} ms`);
  return record;
}

/** cosign from hack/build-cosign.sh (cached after its first build), or $COSIGN. */
function cosign(): string {
  if (process.env.COSIGN) return process.env.COSIGN;
  const out = execFileSync('bash', [path.join(root, 'hack/build-cosign.sh')], { encoding: 'utf8' });
  return out.trim().split('\n').pop() ?? 'cosign';
}

/**
 * Signs the manifest's bytes (so the signature stands for the image's digest) and attests the
 * SBOM about them, with a key and offline: no transparency log. Keyless signing, for a build
 * with a network and an OIDC identity, is in the README.
 */
function sign(out: string, key: string): void {
  const bin = cosign();
  const home = path.join(out, '.cosign-home');
  const env = { ...process.env, HOME: home, TUF_ROOT: path.join(home, 'tuf') };
  const offline = ['--key', key, '--use-signing-config=false', '--tlog-upload=false', '--yes'];
  const manifest = path.join(out, 'manifest.json');
  const run = (args: string[]) => execFileSync(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['sign-blob', ...offline, '--bundle', path.join(out, 'image.sig.bundle.json'), manifest]);
  run(
    ['attest-blob', ...offline, '--type', 'cyclonedx', '--predicate', path.join(out, 'sbom.cdx.json')].concat(
      ['--bundle', path.join(out, 'sbom.att.bundle.json'), manifest],
    ),
  );
  rmSync(home, { recursive: true, force: true });
  log('signed: image.sig.bundle.json, sbom.att.bundle.json');
}

function main(argv: string[]): void {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name}: needs a value`);
    return v;
  };
  const known = new Set(['--out', '--sign-key', '--pin']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}`);
  const epoch = sourceDateEpoch(root);
  const node = projectNode(root);
  const libs = sharedLibraries(node);
  const inputs = inputsHash(root, { epoch, node, libs });
  const explicit = value('--out');
  const cache = process.env.TENANTRY_CACHE ?? path.join(os.homedir(), '.cache', 'tenantry');
  const out = path.resolve(explicit ?? path.join(cache, 'image', inputs));
  const previous = existsSync(path.join(out, 'image.json'))
    ? (JSON.parse(readFileSync(path.join(out, 'image.json'), 'utf8')) as ImageRecord)
    : undefined;
  let record: ImageRecord;
  if (previous?.inputs === inputs) {
    record = previous;
    log(`cached: ${record.digest} (${out})`);
  } else {
    if (existsSync(out)) throw new Error(`--out ${out}: exists and holds no build of these inputs`);
    // Built beside and renamed, so an interrupted build is never taken for a cached one.
    const tmp = explicit ? out : `${out}.tmp-${process.pid}`;
    record = build(tmp, { epoch, node, libs, inputs });
    if (tmp !== out) renameSync(tmp, out);
  }
  const key = value('--sign-key');
  if (key) sign(out, path.resolve(key));
  if (flag('--pin')) {
    writeFileSync(path.join(root, 'bundles/image.json'), `${JSON.stringify(record, null, 2)}\n`);
    execFileSync(process.execPath, [path.join(root, 'hack/gen-chart.ts')], { stdio: 'inherit' });
    log(`pinned ${record.digest} in bundles/image.json and charts/tenantry/values.yaml`);
  }
  process.stdout.write(`${out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    const err = e as Error & { stderr?: Buffer | string };
    log(`failed: ${err.message}${err.stderr ? `\n${String(err.stderr)}` : ''}`);
    process.exitCode = 1;
  }
}
