import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKey, publicKeyPem, type SigningKey } from '../../operator/evidence/keys.ts';
import { signStatement } from '../../operator/evidence/sign.ts';
import { makeStatement, subjectFromBytes } from '../../operator/evidence/statement.ts';
import { CliError } from '../exit-codes.ts';
import { evidenceCommand } from './evidence.ts';

const PREDICATE = 'https://in-toto.io/attestation/test-result/v0.1';
const dir = mkdtempSync(join(tmpdir(), 'tenantry-evidence-cli-'));
const statement = makeStatement([subjectFromBytes('report.json', 'report')], PREDICATE, { result: 'PASSED' });
const digest = statement.subject[0]?.digest.sha256 ?? '';
let key: SigningKey;
const path = (name: string) => join(dir, name);

beforeAll(async () => {
  key = generateSigningKey();
  writeFileSync(path('pub.pem'), publicKeyPem(key));
  writeFileSync(path('other.pem'), publicKeyPem(generateSigningKey()));
  const bundle = await signStatement(statement, key);
  writeFileSync(path('good.json'), JSON.stringify(bundle));
  const env = bundle.dsseEnvelope as { payload: string };
  env.payload = Buffer.from(JSON.stringify({ ...statement, predicate: { result: 'FAILED' } })).toString(
    'base64',
  );
  writeFileSync(path('tampered.json'), JSON.stringify(bundle));
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<{ out: string; code: number | undefined }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  await evidenceCommand()
    .exitOverride()
    .parseAsync(['verify', ...args], { from: 'user' });
  const code = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  return { out, code };
}

describe('tenantry evidence verify', () => {
  it('prints OK per verified file and exits 0', async () => {
    const { out, code } = await run('--key', path('pub.pem'), '--type', PREDICATE, path('good.json'));
    expect(out).toBe(
      `OK ${path('good.json')} keyid=${key.keyId} predicate=${PREDICATE} subjects=report.json@sha256:${digest}\n`,
    );
    expect(code).toBeUndefined();
  });

  it('prints FAIL with the reason for each bad file and exits 1', async () => {
    const { out, code } = await run(
      '--key',
      path('other.pem'),
      '--key',
      path('pub.pem'),
      path('good.json'),
      path('tampered.json'),
      path('missing.json'),
    );
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OK /);
    expect(lines[1]).toBe(
      `FAIL ${path('tampered.json')}: signature does not verify with key ${key.keyId}: signature verification failed`,
    );
    expect(lines[2]).toBe(`FAIL ${path('missing.json')}: no such file`);
    expect(code).toBe(1);
  });

  it('checks the predicate type and subject digests', async () => {
    const wrongType = await run('--key', path('pub.pem'), '--type', 'https://x/y', path('good.json'));
    expect(wrongType.out).toContain('predicate type is');
    expect(wrongType.code).toBe(1);
    const wrongDigest = await run(
      '--key',
      path('pub.pem'),
      '--subject-digest',
      'a'.repeat(64),
      path('good.json'),
    );
    expect(wrongDigest.out).toContain('no subject matches');
    const rightDigest = await run(
      '--key',
      path('pub.pem'),
      '--subject-digest',
      `sha256:${digest}`,
      path('good.json'),
    );
    expect(rightDigest.out).toMatch(/^OK /);
  });

  it('reports unknown keys', async () => {
    const { out, code } = await run('--key', path('other.pem'), path('good.json'));
    expect(out).toContain(`FAIL ${path('good.json')}: bundle is signed by key "${key.keyId}"`);
    expect(code).toBe(1);
  });

  it('writes JSON with -o json', async () => {
    const { out } = await run(
      '--key',
      path('pub.pem'),
      '-o',
      'json',
      path('good.json'),
      path('tampered.json'),
    );
    expect(JSON.parse(out)).toEqual({
      results: [
        {
          file: path('good.json'),
          ok: true,
          keyId: key.keyId,
          predicateType: PREDICATE,
          subjects: statement.subject,
        },
        { file: path('tampered.json'), ok: false, reason: 'bad-signature', error: expect.any(String) },
      ],
    });
  });

  it('refuses to run without trusted keys or with bad flags', async () => {
    await expect(run(path('good.json'))).rejects.toThrow(CliError);
    await expect(run('--key', path('good.json'), path('good.json'))).rejects.toThrow(
      /not a valid PEM public key/,
    );
    await expect(run('--key', path('pub.pem'), '--subject-digest', 'abc', path('good.json'))).rejects.toThrow(
      /not a sha256/,
    );
    await expect(run('--key', path('pub.pem'), '-o', 'yaml', path('good.json'))).rejects.toThrow(/--output/);
  });
});
