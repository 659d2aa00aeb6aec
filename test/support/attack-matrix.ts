import { expect, it } from 'vitest';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { waitFor } from './wait.ts';

/**
 * What became of an attack: `refused` (403/422 with a message that says what), `accepted`,
 * `repaired` (accepted, then undone by the operator in time), or a row's own outcome
 * (`stamped`, `evicted`, `not-called` (the operator refused to call a URL), ...); `unclear` is a refusal whose message does not say what was
 * refused, `error` anything else that went wrong.
 */
export type Verdict =
  | 'refused'
  | 'accepted'
  | 'repaired'
  | 'stamped'
  | 'evicted'
  | 'not-chosen'
  | 'not-called'
  | 'intact'
  | 'changed'
  | 'unclear'
  | 'error';

export interface Seen {
  verdict: Verdict;
  detail: string;
}

/** Registers what puts the cluster back after a row; undos run newest first, also after a failure. */
export type Undo = (fn: () => Promise<unknown>) => void;

/** One step of an attack that takes several (grant, bind, use). */
export type Step = readonly [string, () => Promise<unknown>];

interface Row {
  point: string;
  actor: string;
  attack: string;
  expected: Verdict[];
  seen?: Seen;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.code} ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Refusals whose wording names the user, the verb and the resource, or the PodSecurity check. */
const SELF_EXPLAINING = [
  /cannot \S+ resource "[^"]+"/,
  /attempting to grant RBAC permissions not currently held/,
  /violates PodSecurity/,
];

/**
 * A refusal (403 or 422) whose message says what was refused: an RBAC or PodSecurity refusal,
 * or an admission message naming one of `hints` (the field, label or value at stake) beyond
 * the generic `<resource> "<name>" is forbidden:` prefix and the policy's name.
 */
export function judge(e: unknown, hints: readonly string[]): Seen {
  const detail = errorText(e);
  if (!(e instanceof ApiError) || (e.code !== 403 && e.code !== 422)) return { verdict: 'error', detail };
  const reason = e.message
    .replace(/^[^"]*("[^"]*" )?is (forbidden|invalid): /, '')
    .replace(/^ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request: /, '')
    .toLowerCase();
  const clear =
    SELF_EXPLAINING.some((r) => r.test(e.message)) || hints.some((h) => reason.includes(h.toLowerCase()));
  return { verdict: clear ? 'refused' : 'unclear', detail };
}

/** Runs the steps in order; the first refusal is the verdict, all of them accepted is `accepted`. */
export async function chain(hints: readonly string[], ...steps: Step[]): Promise<Seen> {
  for (const [i, [name, fn]] of steps.entries()) {
    try {
      await fn();
    } catch (e) {
      const seen = judge(e, hints);
      return steps.length > 1 ? { ...seen, detail: `step ${i + 1} (${name}): ${seen.detail}` } : seen;
    }
  }
  return {
    verdict: 'accepted',
    detail: steps.length > 1 ? `all ${steps.length} steps accepted` : 'accepted',
  };
}

/** One request: refused (with a message naming one of `hints`) or accepted. */
export const attempt = (fn: () => Promise<unknown>, ...hints: string[]): Promise<Seen> =>
  chain(hints, ['request', fn]);

/** An accepted change that is undone within `ms` (by the operator, not the test) is `repaired`. */
export async function unlessRepaired(
  seen: Seen,
  restored: () => Promise<boolean>,
  ms: number,
): Promise<Seen> {
  if (seen.verdict !== 'accepted') return seen;
  const t0 = Date.now();
  const back = await waitFor('the repair', async () => (await restored()) || undefined, {
    timeoutMs: ms,
  }).then(
    () => true,
    () => false,
  );
  return back
    ? { verdict: 'repaired', detail: `${seen.detail}; repaired after ${Date.now() - t0} ms` }
    : { ...seen, detail: `${seen.detail}; not repaired within ${ms / 1000} s` };
}

/**
 * Attacks as test cases, and the matrix of them (attack x expected x actual) for the end of
 * the run: the rows that fail are the checklist of what is still open.
 */
export class AttackMatrix {
  private readonly rows: Row[] = [];
  private readonly title: string;

  constructor(title: string) {
    this.title = title;
  }

  /** One row and its test: runs the attack, undoes what it changed, checks the verdict. */
  row(
    point: string,
    actor: string,
    what: string,
    expected: Verdict | Verdict[],
    run: (undo: Undo) => Promise<Seen>,
    timeoutMs = 90_000,
  ): void {
    const row: Row = { point, actor, attack: what, expected: [expected].flat() };
    this.rows.push(row);
    it(
      `${point} ${actor}: ${what}`,
      async () => {
        const undos: Array<() => Promise<unknown>> = [];
        let seen: Seen;
        try {
          seen = await run((fn) => undos.push(fn));
        } catch (e) {
          seen = { verdict: 'error', detail: errorText(e) };
        }
        for (const fn of undos.reverse()) {
          await fn().catch((e: unknown) => console.warn(`undoing "${what}" failed: ${errorText(e)}`));
        }
        row.seen = seen;
        expect(row.expected, `${seen.verdict}: ${seen.detail}`).toContain(seen.verdict);
      },
      timeoutMs,
    );
  }

  /** The matrix, one line per row, with a count of rows as expected per point. */
  render(): string {
    const table = this.rows.map((r) => ({
      point: r.point,
      actor: r.actor,
      attack: r.attack,
      expected: r.expected.join('|'),
      actual: r.seen?.verdict ?? 'not run',
      ok: r.seen && r.expected.includes(r.seen.verdict) ? 'yes' : 'NO',
      detail: (r.seen?.detail ?? '').replace(/\s+/g, ' ').slice(0, 160),
    }));
    type Column = keyof (typeof table)[number];
    const cols: Column[] = ['point', 'actor', 'attack', 'expected', 'actual', 'ok', 'detail'];
    const width = (c: Column) => Math.max(c.length, ...table.map((t) => t[c].length));
    const line = (t: Record<Column, string>) =>
      cols.map((c) => (c === 'detail' ? t[c] : t[c].padEnd(width(c)))).join('  ');
    const byPoint = new Map<string, { ok: number; all: number }>();
    for (const t of table) {
      const p = byPoint.get(t.point) ?? { ok: 0, all: 0 };
      p.all++;
      if (t.ok === 'yes') p.ok++;
      byPoint.set(t.point, p);
    }
    const ok = table.filter((t) => t.ok === 'yes').length;
    const summary = [...byPoint].map(([p, n]) => `${p} ${n.ok}/${n.all}`).join(', ');
    const header = Object.fromEntries(cols.map((c) => [c, c])) as Record<Column, string>;
    return [
      `${this.title}: ${ok}/${table.length} rows as expected (${summary})`,
      line(header),
      ...table.map(line),
    ].join('\n');
  }
}
