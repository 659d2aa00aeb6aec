import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCrds } from './crds.ts';
import { ALL_RESOURCES } from './v1alpha1/index.ts';

describe('readCrds', () => {
  it('reads one CRD per kind from the committed crds/, in file name order', () => {
    const expected = ALL_RESOURCES.map((r) => ({
      file: `${r.group}_${r.plural}.yaml`,
      name: `${r.plural}.${r.group}`,
    }));
    expected.sort((a, b) => (a.file < b.file ? -1 : 1));
    expect(readCrds().map((c) => c.metadata.name)).toEqual(expected.map((e) => e.name));
  });

  it('takes the CRDs of every YAML file and document of a directory, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crds-'));
    const crd = (name: string) =>
      `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ${name}}\n`;
    try {
      writeFileSync(join(dir, 'b.yaml'), `${crd('b1')}---\n${crd('b2')}`);
      writeFileSync(join(dir, 'a.yml'), crd('a'));
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [a.yml, b.yaml]\n');
      writeFileSync(join(dir, 'c.txt'), crd('c'));
      expect(readCrds(dir).map((c) => c.metadata.name)).toEqual(['a', 'b1', 'b2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
