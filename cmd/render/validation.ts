import type { Report } from '../../operator/validation/judge.ts';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;

/** A table for people: one line per check, then the remediation of each that did not pass. */
export function validationTable(report: Report): string {
  const idWidth = Math.max(...report.results.map((r) => r.id.length));
  const lines = report.results.map(
    (r) =>
      `${MARK[r.outcome]}  ${r.id.padEnd(idWidth)}  ${String(r.durationMs).padStart(6)} ms  ${r.message}`,
  );
  const todo = report.results.filter((r) => r.remediation);
  if (todo.length) {
    lines.push('', 'to do:');
    for (const r of todo) lines.push(`  ${r.id}: ${r.remediation}`);
  }
  const s = report.summary;
  lines.push(
    '',
    `${report.verdict}: ${s.passed} passed, ${s.warned} warned, ${s.failed} failed, ${s.skipped} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/**
 * JUnit XML, as CI systems read it. JUnit has no warning: a warned check is a passing test
 * case with an `outcome=warn` property and its message and remediation in system-out.
 */
export function validationJunit(report: Report, suite = 'tenantry-validation'): string {
  const s = report.summary;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const total = report.results.reduce((t, r) => t + r.durationMs, 0);
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="${escapeXml(r.category)}" name="${escapeXml(r.id)}" time="${time(r.durationMs)}">`;
    const props = `      <properties><property name="severity" value="${r.severity}"/><property name="outcome" value="${r.outcome}"/></properties>`;
    const body =
      r.outcome === 'fail'
        ? `      <failure message="${escapeXml(r.message)}" type="${r.severity}">${escapeXml(r.remediation ?? '')}</failure>`
        : r.outcome === 'skip'
          ? `      <skipped message="${escapeXml(r.message)}"/>`
          : r.outcome === 'warn'
            ? `      <system-out>${escapeXml(`WARN: ${r.message}\nremediation: ${r.remediation ?? ''}`)}</system-out>`
            : `      <system-out>${escapeXml(r.message)}</system-out>`;
    return [open, props, body, '    </testcase>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" tests="${report.results.length}" failures="${s.failed}" skipped="${s.skipped}" time="${time(total)}">`,
    `  <testsuite name="${suite}" tests="${report.results.length}" failures="${s.failed}" errors="0" skipped="${s.skipped}" time="${time(total)}">`,
    `    <properties><property name="verdict" value="${report.verdict}"/><property name="warned" value="${s.warned}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
