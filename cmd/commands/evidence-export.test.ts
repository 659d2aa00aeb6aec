import { describe, expect, it } from 'vitest';
import { verifyInstructions } from './evidence-export.ts';

describe('VERIFY.txt of an evidence export', () => {
  const text = verifyInstructions('acme', '2026-01-01T00:00:00.000Z', [
    {
      bundle: 'receipt-a.bundle.json',
      subject: 'receipt-a.subject.json',
      keyId: 'k1',
      predicateType: 'https://tenantry.dev/attestations/onboarding-receipt/v1',
    },
    {
      bundle: 'invoice-b.bundle.json',
      subject: 'invoice-b.subject.json',
      keyId: 'k2',
      predicateType: 'https://tenantry.dev/attestations/invoice-report/v1',
    },
    { bundle: 'odd.bundle.json' },
  ]);

  it('verifies all bundles, with their subject files, in one tenantry command', () => {
    expect(text).toContain('\n  tenantry evidence verify --key keys/*.pem *.bundle.json\n');
    expect(text).not.toContain('--no-subject-file');
  });

  it('gives each bundle its own cosign command: its key, its predicate type, its subject file as the blob', () => {
    expect(text).toContain(
      [
        '  cosign verify-blob-attestation --insecure-ignore-tlog --key keys/k1.pem \\',
        '    --type https://tenantry.dev/attestations/onboarding-receipt/v1 \\',
        '    --bundle receipt-a.bundle.json receipt-a.subject.json',
        '  cosign verify-blob-attestation --insecure-ignore-tlog --key keys/k2.pem \\',
        '    --type https://tenantry.dev/attestations/invoice-report/v1 \\',
        '    --bundle invoice-b.bundle.json invoice-b.subject.json',
        '  # odd.bundle.json: no subject file was exported, so cosign cannot check what it attests',
      ].join('\n'),
    );
  });
});
