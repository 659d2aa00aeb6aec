import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../../devcluster/tools.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { kubectl } from '../support/cluster.ts';
import { runTool, type ToolResult } from '../support/tools.ts';

// helm is the outside check of the chart partners install: it must lint, render, and the
// API server must accept every object it renders.
const chart = fileURLToPath(new URL('../../charts/tenantry', import.meta.url));
let helm: string;

function run(args: string[]): Promise<ToolResult> {
  // A private helm home: nothing read from or written to the user's.
  const home = mkdtempSync(path.join(os.tmpdir(), 'tenantry-helm-'));
  return runTool(helm, args, { HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home });
}

type Doc = { kind?: string; metadata?: { name?: string }; spec?: Record<string, any> };
const docs = (yaml: string): Doc[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => d !== null);

/** `helm template` of the chart into the operator namespace, as text and as objects. */
async function render(...args: string[]): Promise<{ yaml: string; rendered: Doc[] }> {
  const out = await run(['template', 'tenantry', chart, '--namespace', DEFAULT_NAMESPACE, ...args]);
  expect(out.code, out.stderr).toBe(0);
  return { yaml: out.stdout, rendered: docs(out.stdout) };
}

beforeAll(async () => {
  helm = await ensureHelm();
}, 900_000);

describe('the Helm chart', () => {
  it('lints cleanly', async () => {
    const lint = await run(['lint', '--strict', chart]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
  });

  it('renders objects the API server accepts (server-side dry run)', async () => {
    const { yaml, rendered } = await render('--include-crds');
    const kinds = new Set(rendered.map((d) => d.kind));
    for (const k of ['CustomResourceDefinition', 'Deployment', 'ClusterRole', 'ValidatingAdmissionPolicy']) {
      expect(kinds).toContain(k);
    }
    // Every binding both refuses and audits, so denials can be recorded.
    for (const b of rendered.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding')) {
      expect(b.spec?.validationActions, b.metadata?.name).toEqual(['Deny', 'Audit']);
    }
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tenantry-chart-')), 'chart.yaml');
    // ServiceMonitor is off by default; everything rendered must be known to a plain cluster.
    writeFileSync(file, yaml);
    const applied = await kubectl(
      'apply',
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
      '-f',
      file,
    );
    expect(applied.stdout).toMatch(/deployment\.apps\/tenantry serverside-applied \(server dry run\)/);
  });

  it('wires the denial receiver when enabled', async () => {
    const { rendered } = await render('--set', 'denialAudit.enabled=true');
    const deployment = rendered.find((d) => d.kind === 'Deployment');
    const container = deployment?.spec?.template?.spec?.containers?.[0];
    expect(container?.args).toContain('--denial-audit-address=:8444');
    expect(container?.volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: '/etc/tenantry/denial-audit' }),
    );
    expect(
      rendered.find((d) => d.kind === 'Service' && d.metadata?.name === 'tenantry-denial-audit'),
    ).toBeDefined();
  });
});
