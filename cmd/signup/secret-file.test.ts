import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CliError } from '../exit-codes.ts';
import { main } from '../main.ts';
import { readClientSecretFile } from './secret-file.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'secret-file-'));

/** The usage error readClientSecretFile throws for the file, as the CLI prints it. */
function refusal(file: string): CliError {
  try {
    readClientSecretFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return e as CliError;
  }
  throw new Error(`${file} was read`);
}

describe('readClientSecretFile', () => {
  it('reads the secret without its trailing newline', () => {
    const file = path.join(dir, 'ok');
    writeFileSync(file, 's3cret-value\n');
    expect(readClientSecretFile(file)).toBe('s3cret-value');
  });

  it('refuses a missing file as a usage error naming the flag and the file', () => {
    const file = path.join(dir, 'no-such-file');
    const e = refusal(file);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`--client-secret-file ${file}: cannot read it (no such file)`);
  });

  it('refuses a directory, an unreadable file and an empty one', () => {
    expect(refusal(dir).message).toBe(`--client-secret-file ${dir}: cannot read it (it is a directory)`);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(refusal(empty)).toMatchObject({
      exitCode: 2,
      message: `--client-secret-file ${empty} is empty: put the OIDC client secret in it`,
    });
    if (process.getuid?.() === 0) return; // root reads any file
    const locked = path.join(dir, 'locked');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    expect(refusal(locked).message).toBe(
      `--client-secret-file ${locked}: cannot read it (permission denied)`,
    );
  });
});

describe('tenantry signup --client-secret-file', () => {
  it('exits 2 with the flag and the file named, no stack trace, before reaching any cluster', async () => {
    const file = path.join(dir, 'missing-secret');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main(
        [
          'node',
          'tenantry',
          'signup',
          '--no-input',
          '--name',
          'acme',
          '--region',
          'eu-west-1',
          '--owner',
          'ada',
        ].concat(
          ['--idp', 'oidc', '--issuer', 'https://idp.example.com', '--client-id', 'app'],
          ['--redirect-uri', 'https://acme.example.com/cb', '--client-secret-file', file],
          ['--kubeconfig', path.join(dir, 'no-kubeconfig')],
        ),
      );
      expect(code).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe(
        `error: --client-secret-file ${file}: cannot read it (no such file)\n`,
      );
    } finally {
      stderr.mockRestore();
    }
  });
});
