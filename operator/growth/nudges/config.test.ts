import { describe, expect, it } from 'vitest';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeConfig } from './config.ts';

const SECRET = 's'.repeat(40);
const files: Record<string, string> = {
  '/etc/crm.secret': `${SECRET}\n`,
  '/etc/ca.pem': 'PEM',
  '/etc/short': 'x',
};
const read = (f: string) => {
  const v = files[f];
  if (v === undefined) throw new Error(`ENOENT: ${f}`);
  return v;
};
const parse = (yaml: string) => parseNudgeConfig(yaml, read);

describe('parseNudgeConfig', () => {
  it('an empty file is the defaults', () => {
    expect(parse('')).toEqual(DEFAULT_NUDGE_SETTINGS);
  });

  it('overrides what it names and keeps the rest', () => {
    const s = parse(`
nudges:
  setQuotas: { after: 2d, every: 12h, profiles: [regulated], healthBands: [atRisk, critical] }
  exportEvidence: { within: 90d, cohorts: [2026-W49], checklist: complete }
  inviteAuditor: { enabled: false }
quiet:
  - { from: "20:00", to: "08:00", timeZone: Europe/Berlin, days: [sat, sun] }
  - { start: 2026-12-24T00:00:00Z, end: 2027-01-02T00:00:00Z }
receivers:
  - { name: crm, url: https://hooks.example.com/tenantry, secretFile: /etc/crm.secret, caFile: /etc/ca.pem }
endpointAllow: [127.0.0.1/32]
retry: { attempts: 3, initialBackoff: 1s, maxBackoff: 30s }
timeout: 5s
`);
    expect(s.nudges.setQuotas).toEqual({
      enabled: true,
      afterMs: 2 * 86_400_000,
      everyMs: 12 * 3_600_000,
      profiles: ['regulated'],
      healthBands: ['atRisk', 'critical'],
    });
    expect(s.nudges.finishSetup).toEqual(DEFAULT_NUDGE_SETTINGS.nudges.finishSetup);
    expect(s.nudges.inviteAuditor.enabled).toBe(false);
    expect(s.nudges.exportEvidence).toMatchObject({ cohorts: ['2026-W49'], checklist: 'complete' });
    expect(s.params.exportWithinMs).toBe(90 * 86_400_000);
    expect(s.quiet).toEqual([
      { kind: 'daily', fromMinute: 1200, toMinute: 480, timeZone: 'Europe/Berlin', days: ['sat', 'sun'] },
      {
        kind: 'range',
        startMs: Date.parse('2026-12-24T00:00:00Z'),
        endMs: Date.parse('2027-01-02T00:00:00Z'),
      },
    ]);
    expect(s.receivers).toEqual([
      { name: 'crm', url: 'https://hooks.example.com/tenantry', secret: SECRET, ca: 'PEM' },
    ]);
    expect(s.endpoints).toEqual({ allowCidrs: ['127.0.0.1/32'], allowHosts: [] });
    expect(s.retry).toEqual({ attempts: 3, initialBackoffMs: 1000, maxBackoffMs: 30_000 });
    expect(s.timeoutMs).toBe(5000);
  });

  it.each([
    [
      'nudges: { setQuota: {} }',
      'nudges.setQuota: unknown key (known: finishSetup, setQuotas, exportEvidence, inviteAuditor), got {}',
    ],
    [
      'nudges: { setQuotas: { every: soon } }',
      'nudges.setQuotas.every: must be a duration such as 30s, 4h or 7d, got "soon"',
    ],
    ['nudges: { setQuotas: { every: 10ms } }', 'nudges.setQuotas.every: must be at least 1s, got "10ms"'],
    [
      'nudges: { finishSetup: { profiles: [gold] } }',
      'nudges.finishSetup.profiles[0]: must be one of baseline, restricted, regulated, got "gold"',
    ],
    [
      'nudges: { finishSetup: { cohorts: [2026-49] } }',
      'nudges.finishSetup.cohorts[0]: must be a signup week such as 2026-W49, got "2026-49"',
    ],
    [
      'quiet: [{ from: "25:00", to: "08:00" }]',
      'quiet[0].from: must be a local time HH:MM such as 20:00, got "25:00"',
    ],
    [
      'quiet: [{ from: "20:00", to: "08:00", timeZone: Mars/Olympus }]',
      'quiet[0].timeZone: must be an IANA time zone such as Europe/Berlin or UTC, got "Mars/Olympus"',
    ],
    [
      'quiet: [{ start: 2026-12-24T00:00:00Z, end: 2026-12-23T00:00:00Z }]',
      'quiet[0].end: must be after start, got "2026-12-23T00:00:00Z"',
    ],
    [
      'receivers: [{ name: crm, url: "http://hooks.example.com", secretFile: /etc/crm.secret }]',
      'receivers[0].url: endpoint http://hooks.example.com must use https (the platform has not allowed plain http), got "http://hooks.example.com"',
    ],
    [
      'receivers: [{ name: crm, url: "https://127.0.0.1:8443/", secretFile: /etc/crm.secret }]',
      'receivers[0].url: endpoint https://127.0.0.1:8443/ is a loopback address, which the operator does not call on a tenant\'s behalf, got "https://127.0.0.1:8443/"',
    ],
    [
      'receivers: [{ name: crm, url: "https://hooks.example.com", secretFile: /etc/short }]',
      'receivers[0].secretFile: must hold a secret of at least 32 characters, got "/etc/short"',
    ],
    [
      'receivers: [{ name: crm, url: "https://hooks.example.com", secretFile: /etc/none }]',
      'receivers[0].secretFile: cannot be read (ENOENT: /etc/none), got "/etc/none"',
    ],
    [
      'receivers: [{ name: Crm, url: "https://hooks.example.com", secretFile: /etc/crm.secret }]',
      'receivers[0].name: must be a DNS label (lower-case letters, digits and -), got "Crm"',
    ],
    ['retry: { attempts: 0 }', 'retry.attempts: must be a whole number from 1 to 50, got 0'],
    [
      'webhooks: []',
      'config.webhooks: unknown key (known: nudges, quiet, receivers, endpointAllow, retry, timeout), got []',
    ],
  ])('%s is refused, naming the field and the value', (yaml, message) => {
    expect(() => parse(yaml)).toThrow(message);
  });

  it('lets loopback receivers in only with endpointAllow', () => {
    const yaml = `receivers: [{ name: crm, url: "https://127.0.0.1:8443/", secretFile: /etc/crm.secret }]`;
    expect(() => parse(yaml)).toThrow(/loopback/);
    expect(parse(`${yaml}\nendpointAllow: [127.0.0.0/8]`).receivers[0]?.url).toBe('https://127.0.0.1:8443/');
  });
});
