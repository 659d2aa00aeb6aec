import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyPem } from './keys.ts';
import { createEvidenceSigner, tokenFileProvider } from './sign.ts';
import { makeStatement, subjectFromBytes } from './statement.ts';
import { verifyBundle } from './verify.ts';

const statement = makeStatement([subjectFromBytes('x', 'x')], 'https://tenantry.dev/test/v1', { n: 1 });
const dir = mkdtempSync(join(tmpdir(), 'tenantry-sign-'));
const jwt = (claims: object) =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'sig']
    .map((p) => Buffer.from(p).toString('base64url'))
    .join('.');

describe('createEvidenceSigner', () => {
  it('signs with the operator key in `key` mode', async () => {
    const key = generateSigningKey();
    const bundle = await createEvidenceSigner({ signer: 'key', key }).sign(statement);
    expect(verifyBundle(bundle, { [key.keyId]: publicKeyPem(key) }).keyId).toBe(key.keyId);
  });

  it('in `keyless` mode, fails before any network call when the token is unusable, without quoting it', async () => {
    const file = join(dir, 'bad-token');
    writeFileSync(file, 'not-a-jwt-but-a-secret');
    const signer = createEvidenceSigner({
      signer: 'keyless',
      identityTokenFile: file,
      fulcioURL: 'http://127.0.0.1:9',
      rekorURL: 'http://127.0.0.1:9',
    });
    const err = await signer.sign(statement).then(
      () => undefined,
      (e: Error & { cause?: Error }) => e,
    );
    expect(err?.message).toMatch(/identity token/);
    expect(`${err?.message} ${err?.cause?.message}`).not.toContain('not-a-jwt-but-a-secret');
  });
});

describe('tokenFileProvider', () => {
  it('re-reads the token file on every call (kubelet rotates projected tokens)', async () => {
    const file = join(dir, 'token');
    const provider = tokenFileProvider(file);
    writeFileSync(file, `${jwt({ sub: 'a' })}\n`);
    expect(await provider.getToken()).toBe(jwt({ sub: 'a' }));
    writeFileSync(file, jwt({ sub: 'b' }));
    expect(await provider.getToken()).toBe(jwt({ sub: 'b' }));
  });

  it('refuses a JWT without a subject', async () => {
    const file = join(dir, 'nosub');
    writeFileSync(file, jwt({ iss: 'x' }));
    await expect(tokenFileProvider(file).getToken()).rejects.toThrow(/not a JWT with a subject/);
  });
});
