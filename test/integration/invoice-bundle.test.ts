import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { loadReport } from '../../operator/billing/report-store.ts';
import { prices } from '../../operator/billing/testdata.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { periodBounds, periodOf } from '../../operator/metering/windows.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { entitlementManifest } from '../support/addons.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName } from '../support/cluster.ts';
import { runTool } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';

// What an auditor does with the README: `tenantry invoice --bundle-dir`, then the cosign command
// the README shows, against the operator's real signed report, with the files the CLI wrote.

let admin: KubeClient;
let stopOperator: () => Promise<void>;
let cosign: string;
let tenant: string;
const period = periodOf(Date.now());

/** The README's invoice example (a tenantry and a cosign command), for tenant acme and 2026-11. */
function readmeExample(): { invoice: string; cosign: string } {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((b) => b.includes('invoice-report/v1'));
  if (!block) throw new Error('README has no sh block with the invoice cosign command');
  const [invoice = '', ...rest] = block.trimEnd().split('\n');
  return { invoice, cosign: rest.join('\n') };
}

/** A command as a shell would split it: continuation lines joined, then words. */
const words = (command: string) => command.replace(/\\\n/g, ' ').trim().split(/\s+/);

beforeAll(async () => {
  admin = await adminClient();
  cosign = await ensureCosign();
  ({ stop: stopOperator } = await startTestOperator(admin, { meteringWindowMs: 2_000 }));
  tenant = uniqueName('invb');
  await admin.create(TenantResource, tenantManifest(tenant));
  // Priced, with nothing metered yet: the operator still signs the period's (empty) report.
  await admin.create(EntitlementResource, entitlementManifest(tenant, { prices }));
  await waitFor(
    `the signed report of ${tenant} for ${period}`,
    () => loadReport(admin, DEFAULT_NAMESPACE, tenant, period),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}, 600_000);

afterAll(async () => {
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await admin.delete(TenantResource, tenant).catch(() => {});
  await stopOperator();
  admin.close();
});

describe('tenantry invoice --bundle-dir and the README cosign example', () => {
  it('writes the key the README command names, prints that command, and cosign verifies with it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invoice-bundles-'));
    const example = readmeExample();
    const substitute = (s: string, keyId: string) =>
      s
        .replaceAll('DIR', dir)
        .replaceAll('acme', tenant)
        .replaceAll('2026-11', period)
        .replaceAll('<keyid>', keyId);
    // The README's own tenantry command, for this tenant and period.
    const [cli, ...args] = words(substitute(example.invoice, ''));
    expect(cli).toBe('tenantry');
    const written = await tenantry([...args, '-o', 'json']);
    expect(written.code, written.stderr).toBe(0);
    const keyId = (JSON.parse(written.stdout) as { reports: Array<{ signature: { keyId: string } | null }> })
      .reports[0]?.signature?.keyId;
    expect(keyId).toBeTruthy();
    const command = substitute(example.cosign, keyId ?? '');
    // The command it prints is the README's, with this directory, tenant, period and key.
    expect(written.stderr).toContain(`verify with:\n${command}\n`);

    const home = mkdtempSync(path.join(os.tmpdir(), 'cosign-home-'));
    const env = { TUF_ROOT: path.join(home, 'tuf'), HOME: home };
    const [bin, ...cosignArgs] = words(command);
    expect(bin).toBe('cosign');
    const verified = await runTool(cosign, cosignArgs, env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // The same command refuses a report changed by one byte: it checks what it was given.
    const report = path.join(dir, `invoice-${tenant}-${period}.json`);
    const original = readFileSync(report, 'utf8');
    const changed = original.replace(
      period,
      period.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
    );
    expect(changed).not.toBe(original);
    writeFileSync(report, changed);
    expect((await runTool(cosign, cosignArgs, env)).code).not.toBe(0);
  });

  it('says a period before the Entitlement existed had no usage and nothing to sign, not that signing is off', async () => {
    const before = periodOf(periodBounds(period).start - 1);
    const r = await tenantry(['invoice', '--period', before, '--tenant', tenant, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^note: ${tenant} has no usage in ${before}: its Entitlement was created at \\S+, after the period, so nothing was metered and there is nothing to sign\n$`,
      ),
    );
    expect(r.stderr).not.toContain('signing is off');
    const out = JSON.parse(r.stdout) as { reports: Array<{ lines: unknown[]; signature: unknown }> };
    expect(out.reports[0]).toMatchObject({ lines: [], signature: null });
  });
});
