import { describe, expect, it } from 'vitest';
import { checkDocument, tenantDocument } from './document.ts';

describe('tenant API documents', () => {
  const doc = tenantDocument('Usage', 'acme', { tenant: 'acme', period: '2026-11', lines: [] });

  it('carry the envelope of an object in the tenant’s system namespace and the digest of their content', () => {
    expect(doc).toMatchObject({
      apiVersion: 'api.tenantry.dev/v1alpha1',
      kind: 'Usage',
      metadata: { name: 'acme', namespace: 'acme-system' },
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(checkDocument(JSON.parse(JSON.stringify(doc)), 'Usage')).toEqual(doc);
  });

  it('do not check with changed content or another kind', () => {
    expect(() => checkDocument({ ...doc, period: '2026-10' }, 'Usage')).toThrow(/does not match its digest/);
    expect(() => checkDocument(doc, 'Evidence')).toThrow('the tenant API answered with no Evidence document');
  });
});
