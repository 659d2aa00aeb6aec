import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { generateSigningKey, publicKeyPem, type SigningKey } from '../../operator/evidence/keys.ts';
import { type SerializedBundle, signStatement } from '../../operator/evidence/sign.ts';
import {
  canonicalJson,
  makeStatement,
  sha256Hex,
  subjectFromBytes,
} from '../../operator/evidence/statement.ts';
import { verifyBundle } from '../../operator/evidence/verify.ts';
import { cosignVerifyBlob } from '../support/tools.ts';

// cosign is the independent verifier here: what we sign must verify with it, and what we
// refuse must be refused by it too.
const PREDICATE = 'https://in-toto.io/attestation/test-result/v0.1';
const dir = mkdtempSync(join(tmpdir(), 'tenantry-evidence-cosign-'));
const file = (name: string) => join(dir, name);
const blob = Buffer.from('{"suite":"tenantry-validation","result":"PASSED"}\n');
let cosign: string;
let key: SigningKey;

function write(name: string, content: string | Buffer | SerializedBundle): string {
  writeFileSync(
    file(name),
    Buffer.isBuffer(content) || typeof content === 'string' ? content : JSON.stringify(content),
  );
  return file(name);
}

/** cosign's verdict on a bundle, by default over blob.json with our key and predicate type. */
function cosignVerify(
  bundle: string,
  opts: { key?: string; type?: string; blob?: string; digest?: string } = {},
): Promise<{ code: number; output: string }> {
  return cosignVerifyBlob(cosign, {
    bundle,
    key: opts.key ?? file('pub.pem'),
    type: opts.type ?? PREDICATE,
    home: dir,
    ...(opts.digest ? { digest: opts.digest } : { blob: opts.blob ?? file('blob.json') }),
  });
}

function editPayload(bundle: SerializedBundle, edit: (s: Record<string, any>) => void): SerializedBundle {
  const copy = structuredClone(bundle) as any;
  const s = JSON.parse(Buffer.from(copy.dsseEnvelope.payload, 'base64').toString());
  edit(s);
  copy.dsseEnvelope.payload = Buffer.from(canonicalJson(s)).toString('base64');
  return copy;
}

let good: SerializedBundle;

beforeAll(async () => {
  // A cold build takes a few minutes; afterwards this returns at once.
  cosign = await ensureCosign();
  key = generateSigningKey();
  write('pub.pem', publicKeyPem(key));
  write('other.pem', publicKeyPem(generateSigningKey()));
  write('blob.json', blob);
  const statement = makeStatement([subjectFromBytes('blob.json', blob)], PREDICATE, { result: 'PASSED' });
  good = await signStatement(statement, key);
  write('good.bundle.json', good);
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cosign verify-blob-attestation on our bundles', () => {
  it('accepts a bundle from signStatement, by blob and by digest', async () => {
    const byBlob = await cosignVerify(file('good.bundle.json'));
    expect(byBlob.output).toContain('Verified OK');
    expect(byBlob.code).toBe(0);
    const byDigest = await cosignVerify(file('good.bundle.json'), { digest: sha256Hex(blob) });
    expect(byDigest.code, byDigest.output).toBe(0);
    // And our own verifier agrees.
    expect(verifyBundle(good, { [key.keyId]: publicKeyPem(key) }).keyId).toBe(key.keyId);
  });

  it('refuses a changed payload', async () => {
    const tampered = editPayload(good, (s) => {
      s.predicate.result = 'FAILED';
    });
    const r = await cosignVerify(write('tampered.bundle.json', tampered));
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('accepted signatures do not match threshold');
  });

  it('refuses the wrong key', async () => {
    const r = await cosignVerify(file('good.bundle.json'), { key: file('other.pem') });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('accepted signatures do not match threshold');
  });

  it('refuses a subject swapped in the signed payload', async () => {
    const swapped = editPayload(good, (s) => {
      s.subject[0].digest.sha256 = sha256Hex('something else');
    });
    const r = await cosignVerify(write('swapped.bundle.json', swapped), {
      digest: sha256Hex('something else'),
    });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('accepted signatures do not match threshold');
  });

  it('refuses a validly signed statement about another blob', async () => {
    const other = makeStatement([subjectFromBytes('blob.json', 'other bytes')], PREDICATE, {
      result: 'PASSED',
    });
    const r = await cosignVerify(write('other.bundle.json', await signStatement(other, key)));
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('provided artifact digests do not match digests in statement');
  });

  it('refuses the wrong predicate type', async () => {
    const r = await cosignVerify(file('good.bundle.json'), { type: 'https://slsa.dev/provenance/v1' });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('invalid predicate type');
  });
});
