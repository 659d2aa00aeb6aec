import { describe, expect, it } from 'vitest';
import { CHECKS } from './checks.ts';
import { judge } from './judge.ts';
import { assertRunRecord, type RunRecord } from './record.ts';
import { BREAKERS, passingRun } from './testing.ts';

const broken = (id: string): RunRecord => {
  const run = passingRun();
  BREAKERS[id]?.(run);
  return run;
};
const resultOf = (run: RunRecord, id: string) => judge(run).results.find((r) => r.id === id);

describe('judging a run record', () => {
  it('passes every check on a healthy install, with the observed durations', () => {
    const report = judge(passingRun());
    expect(report.results.filter((r) => r.outcome !== 'pass')).toEqual([]);
    expect(report.verdict).toBe('PASSED');
    expect(report.summary).toEqual({ passed: CHECKS.length, warned: 0, failed: 0, skipped: 0 });
    expect(resultOf(passingRun(), 'canary.tenant')?.durationMs).toBe(2300);
    expect(resultOf(passingRun(), 'canary.tenant')?.remediation).toBeUndefined();
  });

  it('has stable, unique ids and a breaking fixture for every check', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(BREAKERS).sort()).toEqual([...ids].sort());
  });

  const warningOnly = new Set([
    'onboarding.dns',
    'onboarding.idp',
    'observability.servicemonitor',
    'clock.skew',
  ]);
  for (const check of CHECKS) {
    const expected = warningOnly.has(check.id) ? 'warn' : 'fail';
    it(`${check.id}: its fixture makes it ${expected}, with a remediation, and touches no other check`, () => {
      const run = broken(check.id);
      const report = judge(run);
      const r = report.results.find((x) => x.id === check.id);
      expect(r?.outcome, r?.message).toBe(expected);
      expect(r?.remediation?.length).toBeGreaterThan(10);
      const others = report.results.filter((x) => x.id !== check.id && x.outcome !== 'pass');
      expect(others.map((x) => x.id)).toEqual([]);
      expect(report.verdict).toBe(expected === 'fail' ? 'FAILED' : 'WARNED');
    });
  }

  it('fails on a leaderless install, names the Lease and when it expired', () => {
    const r = resultOf(broken('operator.leader'), 'operator.leader');
    expect(r?.message).toMatch(/Lease tenantry-leader held by tenantry-7d9f_1 expired 105 s before the run/);
    const none = passingRun();
    none.observations.lease = null;
    expect(resultOf(none, 'operator.leader')?.outcome).toBe('fail');
  });

  it('fails admission when the refusal comes from another policy than expected', () => {
    const run = passingRun();
    run.observations.admission = [
      { name: 'p', expectedPolicy: 'tenantry.dev-x', refusal: { code: 403, message: 'User cannot create' } },
    ];
    const r = resultOf(run, 'admission.enforcing');
    expect(r?.outcome).toBe('fail');
    expect(r?.message).toContain('refused, but not by tenantry.dev-x (403: User cannot create)');
  });

  it('skips with why what does not apply', () => {
    const run = passingRun();
    delete run.bundle;
    run.bundleMissing = 'no DistributionBundle is installed';
    run.observations.grantedAddOns = [];
    run.observations.idp = [];
    delete run.observations.readyz;
    delete run.observations.canary;
    const skipped = Object.fromEntries(
      judge(run)
        .results.filter((r) => r.outcome === 'skip')
        .map((r) => [r.id, r.message]),
    );
    expect(skipped).toEqual({
      'regions.nodes': 'no DistributionBundle: no DistributionBundle is installed',
      'pools.candidates': 'no Entitlement grants DedicatedCompute',
      'archive.endpoints': 'no Entitlement grants AuditArchive',
      'onboarding.idp': 'no Tenant names an identity provider',
      'operator.ready': "the operator's /readyz not reached: no way to the operator's probe port was given",
      'canary.tenant': 'the canary was not run (--no-canary)',
    });
    expect(judge(run).verdict).toBe('PASSED');
  });

  it('fails a check whose observation could not be made, with the error', () => {
    const run = passingRun();
    run.observations.nodes = { error: 'nodes is forbidden' };
    const r = resultOf(run, 'regions.nodes');
    expect(r).toMatchObject({ outcome: 'fail', message: 'could not read nodes: nodes is forbidden' });
  });

  it('a small skew within the Date header resolution is no skew; 5 s warns, a minute fails', () => {
    const run = passingRun();
    const at = (server: string) => {
      run.observations.clock = {
        server,
        sentAt: '2026-03-02T10:00:01.100Z',
        receivedAt: '2026-03-02T10:00:01.140Z',
      };
      return resultOf(run, 'clock.skew')?.outcome;
    };
    expect(at('Mon, 02 Mar 2026 10:00:02 GMT')).toBe('pass');
    expect(at('Mon, 02 Mar 2026 10:00:06 GMT')).toBe('warn');
    expect(at('Mon, 02 Mar 2026 10:01:01 GMT')).toBe('fail');
  });
});

describe('replay', () => {
  it('judges a RUN.json read back exactly as the run judged it', () => {
    for (const id of ['none', ...Object.keys(BREAKERS)]) {
      const run = broken(id);
      const replayed: unknown = JSON.parse(JSON.stringify(run));
      assertRunRecord(replayed);
      expect(judge(replayed)).toEqual(judge(run));
    }
  });

  it('refuses a file that is not a run record, naming the field', () => {
    expect(() => assertRunRecord({ kind: 'x' })).toThrow(/run record kind is "x"/);
    const run: Record<string, unknown> = { ...passingRun(), startedAt: 'yesterday' };
    expect(() => assertRunRecord(run)).toThrow(/startedAt is not a time: "yesterday"/);
  });

  it('fails, rather than crashes on, a record a check cannot read', () => {
    const run = passingRun() as unknown as { observations: Record<string, unknown> };
    run.observations.nodes = 'garbage';
    const r = resultOf(run as unknown as RunRecord, 'regions.nodes');
    expect(r?.outcome).toBe('fail');
    expect(r?.message).toMatch(/the record cannot be judged/);
  });
});
