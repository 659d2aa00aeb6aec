import type { HealthBand, HealthComponent, HealthStatus } from '../api/v1alpha1/growth.ts';
import { deepEqual } from '../runtime/apply.ts';

/**
 * The tenant health score, formula v1: six components, each scored 0-100 from measured inputs,
 * weighted, summed. Everything that goes into the score is in status.health, so anyone can redo
 * the sum: each component's effective weight (published weights renormalised over the
 * components that have data, whole numbers adding up to exactly 100) times its score is its
 * contribution in hundredths of a point, and the contributions add up to the score exactly.
 * The weights and scoring rules are documented in the CRD (status.health.formulaVersion) and
 * the README; a change to either is a new version.
 */

export const HEALTH_FORMULA_VERSION = 'v1';

export const HEALTH_WEIGHTS = {
  activation: 30,
  activity: 25,
  identity: 15,
  domain: 10,
  refusals: 10,
  nudges: 10,
} as const;

export type HealthComponentName = keyof typeof HEALTH_WEIGHTS;

/** Each refusal in the last hour costs this many points of the refusals component. */
export const POINTS_PER_REFUSAL = 20;
/** A nudge open longer than this is overdue. */
export const NUDGE_OVERDUE_MS = 7 * 86_400_000;

export const BANDS: ReadonlyArray<{ band: HealthBand; from: number }> = [
  { band: 'healthy', from: 70 },
  { band: 'atRisk', from: 40 },
  { band: 'critical', from: 0 },
];

/** The measured inputs; an absent one has no data and drops out (with the reason given). */
export interface HealthInputs {
  activation: { done: number; total: number } | Missing;
  activity:
    | {
        /** Workload namespaces with a running pod, of how many. */
        runningNamespaces: number;
        workloadNamespaces: number;
        /** Metered usage in the window; undefined without an Entitlement (the signal does not apply). */
        meteredUsage?: boolean | undefined;
        /** Actions through the tenant API in the window. */
        apiActions: number;
      }
    | Missing;
  identity: { pass: number; warn: number; fail: number } | Missing;
  domain: { verified: boolean; reason?: string | undefined } | Missing;
  refusals: { count: number } | Missing;
  nudges: { active: number; overdue: number } | Missing;
}

export interface Missing {
  missing: string;
}

const isMissing = (v: object): v is Missing => 'missing' in v;

interface Scored {
  name: HealthComponentName;
  raw?: string;
  score?: number;
  missing?: string;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part * 100) / whole) : 0);

/** Each component's raw value and score, or why it has none. */
export function scoreComponents(inputs: HealthInputs): Scored[] {
  const out: Scored[] = [];
  const add = <K extends HealthComponentName>(
    name: K,
    input: HealthInputs[K],
    score: (v: Exclude<HealthInputs[K], Missing>) => { raw: string; score: number },
  ) => {
    if (isMissing(input)) out.push({ name, missing: input.missing });
    else out.push({ name, ...score(input as Exclude<HealthInputs[K], Missing>) });
  };
  add('activation', inputs.activation, (a) => ({
    raw: `${a.done}/${a.total} checklist items`,
    score: pct(a.done, a.total),
  }));
  add('activity', inputs.activity, (a) => {
    const signals = [a.runningNamespaces > 0, a.apiActions > 0];
    if (a.meteredUsage !== undefined) signals.push(a.meteredUsage);
    const metered = a.meteredUsage === undefined ? 'no Entitlement' : a.meteredUsage ? 'yes' : 'none';
    return {
      raw: `running pods in ${a.runningNamespaces}/${a.workloadNamespaces} namespaces; metered usage in 7 days: ${metered}; ${a.apiActions} tenant API actions in 7 days`,
      score: pct(signals.filter(Boolean).length, signals.length),
    };
  });
  add('identity', inputs.identity, (i) => ({
    raw: `${i.pass} pass, ${i.warn} warn, ${i.fail} fail`,
    score: pct(i.pass * 2 + i.warn, (i.pass + i.warn + i.fail) * 2),
  }));
  add('domain', inputs.domain, (d) => ({
    raw: d.verified ? 'verified' : `not verified${d.reason ? ` (${d.reason})` : ''}`,
    score: d.verified ? 100 : 0,
  }));
  add('refusals', inputs.refusals, (r) => ({
    raw: `${r.count} requests refused by admission in the last hour`,
    score: Math.max(0, 100 - POINTS_PER_REFUSAL * r.count),
  }));
  add('nudges', inputs.nudges, (n) => ({
    raw: `${n.overdue} of ${n.active} nudges overdue (open over 7 days)`,
    score: n.active === 0 ? 100 : pct(n.active - n.overdue, n.active),
  }));
  return out;
}

/**
 * Scales weights to add up to exactly 100 in whole numbers: each gets the floor of its share,
 * and the points left go to the largest remainders (ties to the earlier component).
 */
export function renormalise(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * 100) / total);
  const out = exact.map(Math.floor);
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

export function bandOf(score: number): HealthBand {
  return BANDS.find((b) => score >= b.from)?.band ?? 'critical';
}

/**
 * The health status for these inputs. `previous` is the status the tenant has: when the
 * components are unchanged it is returned as it is (nothing to write), otherwise the new score
 * records the old one as previousScore and the direction as trend, stamped `now`.
 */
export function healthStatus(
  inputs: HealthInputs,
  previous: HealthStatus | undefined,
  now: string,
): HealthStatus {
  const scored = scoreComponents(inputs);
  const present = scored.filter((c) => c.score !== undefined);
  const effective = renormalise(present.map((c) => HEALTH_WEIGHTS[c.name]));
  const components: HealthComponent[] = scored.map((c) => {
    const weight = HEALTH_WEIGHTS[c.name];
    const i = present.indexOf(c);
    if (c.score === undefined) return { name: c.name, weight, missing: c.missing ?? 'no data' };
    const effectiveWeight = effective[i] ?? 0;
    return {
      name: c.name,
      weight,
      effectiveWeight,
      ...(c.raw ? { raw: c.raw } : {}),
      score: c.score,
      contributionHundredths: c.score * effectiveWeight,
    };
  });
  const scoreHundredths = components.reduce((sum, c) => sum + (c.contributionHundredths ?? 0), 0);
  const score = Math.floor((scoreHundredths + 50) / 100);
  const computed: HealthStatus = {
    formulaVersion: HEALTH_FORMULA_VERSION,
    score,
    scoreHundredths,
    band: bandOf(score),
    components,
    renormalised: present.length < scored.length,
  };
  const comparable = previous?.formulaVersion === HEALTH_FORMULA_VERSION ? previous : undefined;
  if (!comparable) return { ...computed, computedAt: now };
  // Only the history (previous score, trend, when) is taken from status; the rest is
  // recomputed, so a score edited by hand neither survives nor becomes the previous score.
  const { trend, previousScore, computedAt, ...same } = comparable;
  if (deepEqual(same, computed)) return comparable;
  if (deepEqual(comparable.components, components)) {
    return {
      ...computed,
      ...(computedAt ? { computedAt } : {}),
      ...(trend ? { trend } : {}),
      ...(previousScore !== undefined ? { previousScore } : {}),
    };
  }
  return {
    ...computed,
    computedAt: now,
    previousScore: comparable.score,
    trend: score > comparable.score ? 'up' : score < comparable.score ? 'down' : 'steady',
  };
}
