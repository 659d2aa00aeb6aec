import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeInvoiceBundles } from './bundle-dir.ts';

describe('writeInvoiceBundles', () => {
  it('writes each report, its bundle and the key it verified with, and the cosign command for those files', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bundles-')), 'out');
    const commands = writeInvoiceBundles(
      dir,
      [{ tenant: 'acme', period: '2026-11', reportJson: '{"r":1}', bundle: { b: 1 }, keyId: 'k1' }],
      { k1: 'PEM-1', k2: 'PEM-2' },
    );
    expect(readdirSync(dir).sort()).toEqual([
      'invoice-acme-2026-11.json',
      'invoice-acme-2026-11.sigstore.json',
      'keys',
    ]);
    expect(readdirSync(path.join(dir, 'keys'))).toEqual(['k1.pem']);
    expect(readFileSync(path.join(dir, 'keys', 'k1.pem'), 'utf8')).toBe('PEM-1');
    expect(readFileSync(path.join(dir, 'invoice-acme-2026-11.json'), 'utf8')).toBe('{"r":1}');
    expect(commands).toEqual([
      [
        `cosign verify-blob-attestation --insecure-ignore-tlog --key ${dir}/keys/k1.pem \\`,
        '  --type https://tenantry.dev/attestations/invoice-report/v1 \\',
        `  --bundle ${dir}/invoice-acme-2026-11.sigstore.json ${dir}/invoice-acme-2026-11.json`,
      ].join('\n'),
    ]);
  });
});
