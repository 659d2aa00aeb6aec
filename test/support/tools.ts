import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an outside tool (cosign, helm) to completion; never throws on a non-zero exit. */
export function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * `cosign verify-blob-attestation` with a public key, offline (no Rekor, no TUF root), over
 * the blob or its sha256 digest. `home` is a private directory: cosign reads nothing from the
 * user's home and writes its TUF cache there.
 */
export async function cosignVerifyBlob(
  cosign: string,
  opts: { bundle: string; key: string; type: string; home: string; blob?: string; digest?: string },
): Promise<{ code: number; output: string }> {
  const args = ['verify-blob-attestation', '--bundle', opts.bundle, '--key', opts.key];
  args.push('--insecure-ignore-tlog', '--type', opts.type);
  if (opts.digest) args.push('--digest', opts.digest, '--digestAlg', 'sha256');
  else if (opts.blob) args.push(opts.blob);
  const r = await runTool(cosign, args, { TUF_ROOT: join(opts.home, 'tuf'), HOME: opts.home });
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}
