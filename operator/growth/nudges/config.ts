import { parse as parseYaml } from 'yaml';
import { checkEndpoint, type EndpointPolicy, parseAllowList } from '../../archive/endpoint-policy.ts';
import { parseDuration } from '../../config.ts';
import { checkTimeZone, type QuietPeriod, WEEKDAYS, type Weekday } from './quiet.ts';
import { NUDGE_NAMES, type NudgeName, type RuleParams } from './rules.ts';
import type { Targeting } from './targeting.ts';

/** A webhook receiver the platform configures: CloudEvents over HTTPS, HMAC-signed. */
export interface WebhookReceiver {
  /** Names the channel (`webhook:<name>`) in the delivery log and metrics. */
  name: string;
  url: string;
  /** The shared secret the body is signed with (HMAC-SHA256). */
  secret: string;
  /** CA certificates (PEM) to trust for this receiver, besides the system's. */
  ca?: string | undefined;
}

export interface RetryPolicy {
  /** Attempts per channel and delivery before it is given up. */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/** How the operator nudges tenant admins: `tenantry run --nudges-config FILE`, else the defaults. */
export interface NudgeSettings {
  nudges: Record<NudgeName, Targeting>;
  params: RuleParams;
  quiet: readonly QuietPeriod[];
  receivers: readonly WebhookReceiver[];
  /** Which receiver addresses the operator calls (https only; public addresses unless allowed). */
  endpoints: EndpointPolicy;
  retry: RetryPolicy;
  /** Per webhook request, ms. */
  timeoutMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The defaults: a nudge at most once per period per tenant, never in a tenant's first hours;
 * the auditor nudge only for the profiles that are audited.
 */
export const DEFAULT_NUDGE_SETTINGS: NudgeSettings = {
  nudges: {
    finishSetup: { enabled: true, afterMs: 4 * HOUR, untilMs: 30 * DAY, everyMs: DAY },
    setQuotas: { enabled: true, afterMs: 3 * DAY, everyMs: 7 * DAY },
    exportEvidence: { enabled: true, afterMs: 7 * DAY, everyMs: 7 * DAY },
    inviteAuditor: {
      enabled: true,
      afterMs: 7 * DAY,
      everyMs: 14 * DAY,
      profiles: ['restricted', 'regulated'],
    },
  },
  params: { exportWithinMs: 30 * DAY },
  quiet: [],
  receivers: [],
  endpoints: {},
  retry: { attempts: 6, initialBackoffMs: 10_000, maxBackoffMs: 10 * 60_000 },
  timeoutMs: 10_000,
};

export class NudgeConfigError extends Error {
  override readonly name = 'NudgeConfigError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, value: unknown, what: string): never {
  throw new NudgeConfigError(`${path}: ${what}, got ${JSON.stringify(value)}`);
}

/** Keys outside `known` are errors: a typo must not quietly leave a default in force. */
function object(v: unknown, path: string, known: readonly string[]): Obj {
  if (!isObj(v)) fail(path, v, 'must be a mapping');
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) fail(`${path}.${k}`, v[k], `unknown key (known: ${known.join(', ')})`);
  }
  return v;
}

function duration(v: unknown, path: string): number {
  if (typeof v !== 'string') fail(path, v, 'must be a duration such as 30s, 4h or 7d');
  const days = /^(\d+)d$/.exec(v.trim());
  if (days) return Number(days[1]) * DAY;
  try {
    return parseDuration(v);
  } catch {
    return fail(path, v, 'must be a duration such as 30s, 4h or 7d');
  }
}

function strings<T extends string>(v: unknown, path: string, allowed?: readonly T[]): T[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(path, v, 'must be a list of strings');
  for (const [i, x] of v.entries()) {
    if (allowed && !allowed.includes(x as T))
      fail(`${path}[${i}]`, x, `must be one of ${allowed.join(', ')}`);
  }
  return v as T[];
}

const TARGETING_KEYS = [
  'enabled',
  'after',
  'until',
  'every',
  'profiles',
  'healthBands',
  'cohorts',
  'checklist',
];

function targeting(v: unknown, path: string, base: Targeting, extra: readonly string[]): Targeting {
  const o = object(v, path, [...TARGETING_KEYS, ...extra]);
  const t: Targeting = { ...base };
  if (o.enabled !== undefined) {
    if (typeof o.enabled !== 'boolean') fail(`${path}.enabled`, o.enabled, 'must be true or false');
    t.enabled = o.enabled;
  }
  if (o.after !== undefined) t.afterMs = duration(o.after, `${path}.after`);
  if (o.until !== undefined) t.untilMs = duration(o.until, `${path}.until`);
  if (o.every !== undefined) t.everyMs = duration(o.every, `${path}.every`);
  if (t.everyMs < 1000) fail(`${path}.every`, o.every, 'must be at least 1s');
  if (o.profiles !== undefined) t.profiles = strings(o.profiles, `${path}.profiles`, PROFILES);
  if (o.healthBands !== undefined) t.healthBands = strings(o.healthBands, `${path}.healthBands`, BANDS);
  if (o.cohorts !== undefined) {
    t.cohorts = strings(o.cohorts, `${path}.cohorts`);
    for (const [i, c] of t.cohorts.entries()) {
      if (!/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/.test(c))
        fail(`${path}.cohorts[${i}]`, c, 'must be a signup week such as 2026-W49');
    }
  }
  if (o.checklist !== undefined) {
    if (o.checklist !== 'complete' && o.checklist !== 'incomplete')
      fail(`${path}.checklist`, o.checklist, 'must be complete or incomplete');
    t.checklist = o.checklist;
  }
  return t;
}

const PROFILES = ['baseline', 'restricted', 'regulated'] as const;
const BANDS = ['healthy', 'atRisk', 'critical'] as const;

function clock(v: unknown, path: string): number {
  const m = typeof v === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v) : null;
  if (!m) fail(path, v, 'must be a local time HH:MM such as 20:00');
  return Number(m[1]) * 60 + Number(m[2]);
}

function instant(v: unknown, path: string): number {
  const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) fail(path, v, 'must be an RFC 3339 time such as 2026-12-24T00:00:00Z');
  return ms;
}

function quietPeriod(v: unknown, path: string): QuietPeriod {
  if (isObj(v) && ('start' in v || 'end' in v)) {
    const o = object(v, path, ['start', 'end']);
    const startMs = instant(o.start, `${path}.start`);
    const endMs = instant(o.end, `${path}.end`);
    if (endMs <= startMs) fail(`${path}.end`, o.end, 'must be after start');
    return { kind: 'range', startMs, endMs };
  }
  const o = object(v, path, ['from', 'to', 'timeZone', 'days']);
  const timeZone = o.timeZone === undefined ? 'UTC' : o.timeZone;
  try {
    if (typeof timeZone !== 'string') throw new RangeError();
    checkTimeZone(timeZone);
  } catch {
    fail(`${path}.timeZone`, timeZone, 'must be an IANA time zone such as Europe/Berlin or UTC');
  }
  return {
    kind: 'daily',
    fromMinute: clock(o.from, `${path}.from`),
    toMinute: clock(o.to, `${path}.to`),
    timeZone,
    ...(o.days !== undefined ? { days: strings<Weekday>(o.days, `${path}.days`, WEEKDAYS) } : {}),
  };
}

function receiver(
  v: unknown,
  path: string,
  endpoints: EndpointPolicy,
  read: (file: string) => string,
): WebhookReceiver {
  const o = object(v, path, ['name', 'url', 'secretFile', 'caFile']);
  if (typeof o.name !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.name))
    fail(`${path}.name`, o.name, 'must be a DNS label (lower-case letters, digits and -)');
  if (typeof o.url !== 'string') fail(`${path}.url`, o.url, 'must be an https URL');
  const refused = checkEndpoint(o.url, { ...endpoints, allowHttp: false });
  if (refused) fail(`${path}.url`, o.url, refused);
  const file = (key: 'secretFile' | 'caFile') => {
    const f = o[key];
    if (typeof f !== 'string') fail(`${path}.${key}`, f, 'must be a file path');
    try {
      return read(f);
    } catch (e) {
      return fail(`${path}.${key}`, f, `cannot be read (${(e as Error).message})`);
    }
  };
  const secret = file('secretFile').trim();
  if (secret.length < 32)
    fail(`${path}.secretFile`, o.secretFile, 'must hold a secret of at least 32 characters');
  return { name: o.name, url: o.url, secret, ...(o.caFile !== undefined ? { ca: file('caFile') } : {}) };
}

/**
 * Parses the platform's nudges configuration (YAML); what it leaves out keeps the default.
 * Errors name the field and the value. `read` reads the secret and CA files it names.
 */
export function parseNudgeConfig(text: string, read: (file: string) => string): NudgeSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    throw new NudgeConfigError(`not YAML: ${(e as Error).message}`);
  }
  const o = object(doc, 'config', ['nudges', 'quiet', 'receivers', 'endpointAllow', 'retry', 'timeout']);
  const d = DEFAULT_NUDGE_SETTINGS;
  const nudges = { ...d.nudges };
  const params = { ...d.params };
  if (o.nudges !== undefined) {
    const n = object(o.nudges, 'nudges', NUDGE_NAMES);
    for (const name of NUDGE_NAMES) {
      const v = n[name];
      if (v === undefined) continue;
      const extra = name === 'exportEvidence' ? ['within'] : [];
      nudges[name] = targeting(v, `nudges.${name}`, d.nudges[name], extra);
      if (name === 'exportEvidence' && isObj(v) && v.within !== undefined)
        params.exportWithinMs = duration(v.within, 'nudges.exportEvidence.within');
    }
  }
  let endpoints: EndpointPolicy = {};
  if (o.endpointAllow !== undefined) {
    try {
      endpoints = parseAllowList(strings(o.endpointAllow, 'endpointAllow'));
    } catch (e) {
      if (e instanceof NudgeConfigError) throw e;
      fail('endpointAllow', o.endpointAllow, (e as Error).message);
    }
  }
  const list = (key: 'quiet' | 'receivers') => {
    const v = o[key] ?? [];
    if (!Array.isArray(v)) fail(key, v, 'must be a list');
    return v as unknown[];
  };
  const receivers = list('receivers').map((r, i) => receiver(r, `receivers[${i}]`, endpoints, read));
  const names = receivers.map((r) => r.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail('receivers', dup, 'receiver names must be unique');
  const retry = { ...d.retry };
  if (o.retry !== undefined) {
    const r = object(o.retry, 'retry', ['attempts', 'initialBackoff', 'maxBackoff']);
    if (r.attempts !== undefined) {
      if (!Number.isInteger(r.attempts) || (r.attempts as number) < 1 || (r.attempts as number) > 50)
        fail('retry.attempts', r.attempts, 'must be a whole number from 1 to 50');
      retry.attempts = r.attempts as number;
    }
    if (r.initialBackoff !== undefined)
      retry.initialBackoffMs = duration(r.initialBackoff, 'retry.initialBackoff');
    if (r.maxBackoff !== undefined) retry.maxBackoffMs = duration(r.maxBackoff, 'retry.maxBackoff');
  }
  return {
    nudges,
    params,
    quiet: list('quiet').map((q, i) => quietPeriod(q, `quiet[${i}]`)),
    receivers,
    endpoints,
    retry,
    timeoutMs: o.timeout === undefined ? d.timeoutMs : duration(o.timeout, 'timeout'),
  };
}
