import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const hack = fileURLToPath(new URL('.', import.meta.url));

/**
 * Path of the cosign binary that hack/build-cosign.sh builds into the tool cache, building
 * it first when missing (a few minutes on a cold cache, well under a second otherwise).
 * The script's progress goes to our stderr; its last stdout line is the path.
 */
export async function ensureCosign(): Promise<string> {
  return runBuildScript('build-cosign.sh');
}

/**
 * Path of the Versity Gateway (versitygw) S3 server that hack/build-s3.sh builds into the
 * tool cache, building it first when missing (about a minute with a warm Go module cache,
 * a few minutes cold). The AuditArchive integration tests run it as a real Object Lock server.
 */
export async function ensureS3Server(): Promise<string> {
  return runBuildScript('build-s3.sh');
}

/**
 * Path of the helm CLI that hack/build-helm.sh builds into the tool cache (a few minutes
 * cold). The chart tests lint and render the chart with it.
 */
export async function ensureHelm(): Promise<string> {
  return runBuildScript('build-helm.sh');
}

// Builds share one promise per process, so test files asking together build once.
const building = new Map<string, Promise<string>>();

function runBuildScript(script: string): Promise<string> {
  let p = building.get(script);
  if (!p) {
    p = new Promise<string>((resolve, reject) => {
      const child = spawn('bash', [`${hack}${script}`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => {
        const last = out.trim().split('\n').at(-1) ?? '';
        if (code === 0 && last) resolve(last);
        else reject(new Error(`hack/${script} failed (exit ${code})`));
      });
    });
    building.set(script, p);
    p.catch(() => building.delete(script));
  }
  return p;
}
