import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKey, publicKeyPem, type SigningKey } from '../../operator/evidence/keys.ts';
import { signStatement } from '../../operator/evidence/sign.ts';
import { makeStatement, sha256Hex, subjectFromBytes } from '../../operator/evidence/statement.ts';
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
  writeFileSync(path('good.bundle.json'), JSON.stringify(bundle));
  writeFileSync(path('good.subject.json'), 'report');
  // Validly signed, but the subject file beside it was changed after the export.
  writeFileSync(path('edited.bundle.json'), JSON.stringify(bundle));
  writeFileSync(path('edited.subject.json'), 'report, edited');
  // Without its subject file, or named so that none can be found.
  writeFileSync(path('alone.bundle.json'), JSON.stringify(bundle));
  writeFileSync(path('plain.json'), JSON.stringify(bundle));
  const env = bundle.dsseEnvelope as { payload: string };
  env.payload = Buffer.from(JSON.stringify({ ...statement, predicate: { result: 'FAILED' } })).toString(
    'base64',
  );
  writeFileSync(path('tampered.bundle.json'), JSON.stringify(bundle));
  writeFileSync(path('tampered.subject.json'), 'report');
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<{ out: string; code: number | undefined }> {
  let out = '';
  process.exitCode = undefined;
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
    const { out, code } = await run('--key', path('pub.pem'), '--type', PREDICATE, path('good.bundle.json'));
    expect(out).toBe(
      `OK ${path('good.bundle.json')} keyid=${key.keyId} predicate=${PREDICATE} subjects=report.json@sha256:${digest} subject-file=${path('good.subject.json')}\n`,
    );
    expect(code).toBeUndefined();
  });

  it('prints FAIL with the reason for each bad file and exits 1', async () => {
    const { out, code } = await run(
      '--key',
      path('other.pem'),
      '--key',
      path('pub.pem'),
      path('good.bundle.json'),
      path('tampered.bundle.json'),
      path('missing.bundle.json'),
    );
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OK /);
    expect(lines[1]).toBe(
      `FAIL ${path('tampered.bundle.json')}: signature does not verify with key ${key.keyId}: signature verification failed`,
    );
    expect(lines[2]).toBe(`FAIL ${path('missing.bundle.json')}: no such file`);
    expect(code).toBe(1);
  });

  it('checks the predicate type and subject digests', async () => {
    const wrongType = await run('--key', path('pub.pem'), '--type', 'https://x/y', path('good.bundle.json'));
    expect(wrongType.out).toContain('predicate type is');
    expect(wrongType.code).toBe(1);
    const wrongDigest = await run(
      '--key',
      path('pub.pem'),
      '--subject-digest',
      'a'.repeat(64),
      path('good.bundle.json'),
    );
    expect(wrongDigest.out).toContain('no subject matches');
    const rightDigest = await run(
      '--key',
      path('pub.pem'),
      '--subject-digest',
      `sha256:${digest}`,
      path('good.bundle.json'),
    );
    expect(rightDigest.out).toMatch(/^OK /);
  });

  it('checks by default that the subject file beside each bundle is what it attests, and names the one that is not', async () => {
    const { out, code } = await run('--key', path('pub.pem'), path('edited.bundle.json'));
    expect(out).toBe(
      `FAIL ${path('edited.bundle.json')}: ${path('edited.subject.json')} is not what the statement attests: ` +
        `its sha256 is ${sha256Hex('report, edited')}, the signed subjects are report.json@sha256:${digest}\n`,
    );
    expect(code).toBe(1);
  });

  it('refuses a bundle whose subject file cannot be found, unless told to check the signature alone', async () => {
    const { out, code } = await run('--key', path('pub.pem'), path('alone.bundle.json'), path('plain.json'));
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `FAIL ${path('alone.bundle.json')}: subject file ${path('alone.subject.json')}: no such file (pass --no-subject-file to check the signature alone)`,
    );
    expect(lines[1]).toMatch(
      new RegExp(`^FAIL ${path('plain.json')}: cannot tell its subject file: name bundles NAME.bundle.json`),
    );
    expect(code).toBe(1);
    const skipped = await run(
      '--key',
      path('pub.pem'),
      '--no-subject-file',
      path('alone.bundle.json'),
      path('edited.bundle.json'),
    );
    expect(skipped.out).toMatch(/^OK .*alone\.bundle\.json .*subjects=report\.json@sha256:[0-9a-f]{64}\nOK /);
    expect(skipped.out).not.toContain('subject-file=');
    expect(skipped.code).toBeUndefined();
  });

  it('reports unknown keys', async () => {
    const { out, code } = await run('--key', path('other.pem'), path('good.bundle.json'));
    expect(out).toContain(`FAIL ${path('good.bundle.json')}: bundle is signed by key "${key.keyId}"`);
    expect(code).toBe(1);
  });

  it('writes JSON with -o json', async () => {
    const { out } = await run(
      '--key',
      path('pub.pem'),
      '-o',
      'json',
      path('good.bundle.json'),
      path('tampered.bundle.json'),
    );
    expect(JSON.parse(out)).toEqual({
      results: [
        {
          file: path('good.bundle.json'),
          ok: true,
          keyId: key.keyId,
          predicateType: PREDICATE,
          subjects: statement.subject,
          subjectFile: path('good.subject.json'),
        },
        { file: path('tampered.bundle.json'), ok: false, reason: 'bad-signature', error: expect.any(String) },
      ],
    });
  });

  it('refuses to run without trusted keys or with bad flags', async () => {
    await expect(run(path('good.bundle.json'))).rejects.toThrow(CliError);
    await expect(run('--key', path('good.bundle.json'), path('good.bundle.json'))).rejects.toThrow(
      /not a valid PEM public key/,
    );
    await expect(
      run('--key', path('pub.pem'), '--subject-digest', 'abc', path('good.bundle.json')),
    ).rejects.toThrow(/not a sha256/);
    await expect(run('--key', path('pub.pem'), '-o', 'yaml', path('good.bundle.json'))).rejects.toThrow(
      /--output/,
    );
  });
});
