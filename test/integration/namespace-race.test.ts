// The namespace race of issue 9 (item 9.3): two tenants whose namespaces map to the same name,
// created at the same moment. Tenant `x` with namespace `b-x` and tenant `x-b` with namespace
// `x` both want `x-b-x`; tenant `x` with namespace `t-system` squats the system namespace of
// tenant `x-t`. A trial is safe when one of the two is refused at admission, or when exactly
// one wins and the other is Stalled with NamespaceConflict; in every trial the namespace's
// tenant label, controller owner and RoleBinding subjects never move once set, the loser is
// never Ready=True, and deleting the losers afterwards leaves the winners' namespaces alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TenantReason } from '../../operator/api/conditions.ts';
import { LABEL_TENANT } from '../../operator/api/names.ts';
import type { Tenant } from '../../operator/api/v1alpha1/index.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient, WatchEvent } from '../../operator/runtime/kube/client.ts';
import type { Namespace } from '../../operator/runtime/kube/core.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject, KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../../operator/runtime/kube/resource.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

const TRIALS = Number(process.env.TENANTRY_RACE_TRIALS ?? 50);
/** How long a trial may take to settle into one winner and one Stalled loser. */
const DECISION_MS = 60_000;
/** How long ownership is watched after the decision, for a late switch. */
const HOLD_MS = 1_000;

let admin: KubeClient;
let stopOperator: () => Promise<void> = async () => {};
/** Every tenant the trials created, deleted at the end. */
const created = new Set<string>();

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
});

afterAll(async () => {
  if (!admin) return;
  for (const t of created) await admin.delete(TenantResource, t).catch(() => {});
  await waitFor(
    'the race tenants to be gone',
    async () => {
      for (const t of created) if (await admin.find(TenantResource, t)) return false;
      return true;
    },
    { timeoutMs: 240_000 },
  ).catch((e: unknown) => console.warn(e instanceof Error ? e.message : e));
  await stopOperator();
  admin.close();
});

interface Pair {
  kind: 'suffix' | 'system';
  /** The namespace both tenants map to. */
  contested: string;
  tenants: [Tenant, Tenant];
}

const owned = (name: string, namespaces?: string[]): Tenant =>
  tenantManifest(name, {
    owners: [{ name: `owner-of-${name}` }],
    ...(namespaces ? { namespaces: namespaces.map((n) => ({ name: n })) } : {}),
  });

/** Trial i's pair; which of the two is sent first alternates too. */
function collidingPair(i: number): Pair {
  const base = uniqueName('race');
  const pair: Pair =
    i % 2 === 0
      ? {
          kind: 'suffix',
          contested: `${base}-b-x`,
          tenants: [owned(base, ['b-x']), owned(`${base}-b`, ['x'])],
        }
      : {
          kind: 'system',
          contested: `${base}-t-system`,
          tenants: [owned(base, ['t-system']), owned(`${base}-t`)],
        };
  if (i % 4 >= 2) pair.tenants.reverse();
  return pair;
}

/**
 * Who holds the contested namespace, field by field, in the order the watches saw it: the
 * first value set is the owner, any later different value (a removal too) is a switch.
 */
class OwnershipLog {
  readonly switches: string[] = [];
  /** Watches that ended in an error: the trial was not fully observed. */
  readonly failures: string[] = [];
  readonly readySeen = new Set<string>();
  private readonly first = new Map<string, string>();
  /** Last resourceVersion seen per watched object, to know the watches caught up. */
  readonly seenVersion = new Map<string, string>();

  see(field: string, value: string): void {
    const first = this.first.get(field);
    if (first === undefined) {
      if (value) this.first.set(field, value);
    } else if (value !== first) {
      this.switches.push(`${field}: ${first} -> ${value || '(none)'}`);
    }
  }

  owner(field: string): string | undefined {
    return this.first.get(field);
  }
}

const controllerUid = (o: KubeObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid ?? '';

/**
 * Watches from a list's resourceVersion, so nothing between the list and the watch is missed.
 * Resolves once listed; `done` settles when the watch ends, a failure recorded in the log.
 */
async function watchFrom<T extends KubeObject>(
  type: ResourceType,
  opts: { namespace?: string; fieldSelector?: string },
  log: OwnershipLog,
  signal: AbortSignal,
  onEvent: (e: WatchEvent<T>) => void,
): Promise<{ done: Promise<void> }> {
  // Right after start-up the API server may still be filling its watch cache.
  const list = await waitFor(`a list of ${type.plural}`, () => admin.list<T>(type, opts), {
    timeoutMs: 30_000,
  });
  const done = admin
    .watch<T>(
      type,
      { ...opts, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 300, signal },
      onEvent,
    )
    .catch((e: unknown) => {
      log.failures.push(`watch of ${type.plural} failed: ${e instanceof Error ? e.message : e}`);
    });
  return { done };
}

async function observe(
  pair: Pair,
  log: OwnershipLog,
  signal: AbortSignal,
): Promise<{ done: Promise<unknown> }> {
  const names = new Set(pair.tenants.map((t) => t.metadata.name ?? ''));
  const watches = await Promise.all([
    watchFrom<Namespace>(
      Builtin.Namespace,
      { fieldSelector: `metadata.name=${pair.contested}` },
      log,
      signal,
      (e) => {
        if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
        log.seenVersion.set('namespace', e.object.metadata.resourceVersion ?? '');
        log.see('namespace label', e.object.metadata.labels?.[LABEL_TENANT] ?? '');
        log.see('namespace owner', controllerUid(e.object));
      },
    ),
    watchFrom<AnyObject & { subjects?: Array<{ name: string }> }>(
      Builtin.RoleBinding,
      { namespace: pair.contested, fieldSelector: 'metadata.name=tenantry-owners' },
      log,
      signal,
      (e) => {
        if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
        log.see('binding subjects', (e.object.subjects ?? []).map((s) => s.name).join(','));
        log.see('binding owner', controllerUid(e.object));
      },
    ),
    watchFrom<Tenant>(TenantResource, {}, log, signal, (e) => {
      const name = e.object.metadata.name ?? '';
      if (!names.has(name)) return;
      if (e.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        log.readySeen.add(name);
    }),
  ]);
  return { done: Promise.all(watches.map((w) => w.done)) };
}

type Verdict = 'refused' | 'stalled' | 'unsafe';
interface Outcome {
  verdict: Verdict;
  detail: string;
  winner?: string;
  loser?: string;
}
interface Trial extends Outcome {
  kind: Pair['kind'];
  contested: string;
  switches: string[];
  loserReady: boolean;
}

const condition = (t: Tenant | undefined, type: string) =>
  t?.status?.conditions?.find((c) => c.type === type);
const readyNow = (t: Tenant | undefined) => {
  const ready = condition(t, 'Ready');
  return ready?.status === 'True' && ready.observedGeneration === t?.metadata.generation;
};
const stalledOnConflict = (t: Tenant | undefined) => {
  const stalled = condition(t, 'Stalled');
  return stalled?.status === 'True' && stalled.reason === TenantReason.NamespaceConflict;
};

async function runTrial(i: number): Promise<Trial> {
  const pair = collidingPair(i);
  const log = new OwnershipLog();
  const abort = new AbortController();
  let watching: Promise<unknown> = Promise.resolve();
  try {
    watching = (await observe(pair, log, abort.signal)).done;
    const raced = await race(pair, log);
    const outcome: Outcome = log.failures.length
      ? { verdict: 'unsafe', detail: log.failures.join('; ') }
      : raced;
    return {
      ...outcome,
      kind: pair.kind,
      contested: pair.contested,
      switches: log.switches,
      loserReady: raced.loser !== undefined && log.readySeen.has(raced.loser),
    };
  } finally {
    abort.abort();
    await watching;
  }
}

/** Creates both tenants at once and waits for the outcome: a refusal, or a winner and a Stalled loser. */
async function race(pair: Pair, log: OwnershipLog): Promise<Outcome> {
  const [first, second] = pair.tenants.map((t) => t.metadata.name ?? '') as [string, string];
  const results = await Promise.allSettled(pair.tenants.map((t) => admin.create<Tenant>(TenantResource, t)));
  const refusals: string[] = [];
  const tenantOfUid = new Map<string, string>();
  for (const [k, r] of results.entries()) {
    const name = k === 0 ? first : second;
    if (r.status === 'fulfilled') {
      created.add(name);
      tenantOfUid.set(r.value.metadata.uid ?? '', name);
    } else if (r.reason instanceof ApiError && [400, 403, 422].includes(r.reason.code)) {
      refusals.push(`${name}: ${r.reason.message}`);
    } else {
      throw r.reason;
    }
  }
  if (refusals.length) {
    for (const name of [first, second].filter((n) => created.has(n)))
      await waitReady(admin, name, DECISION_MS);
    await holdAndCatchUp(pair, log);
    return { verdict: 'refused', detail: refusals.join('; ') };
  }
  const decided = await waitFor(
    `one of ${first} and ${second} Ready, the other Stalled with NamespaceConflict`,
    async () => {
      const [a, b] = await Promise.all([first, second].map((n) => admin.get<Tenant>(TenantResource, n)));
      if (readyNow(a) && stalledOnConflict(b)) return { winner: first, loser: second };
      if (readyNow(b) && stalledOnConflict(a)) return { winner: second, loser: first };
      return false;
    },
    { timeoutMs: DECISION_MS },
  ).catch(() => undefined);
  await holdAndCatchUp(pair, log);
  if (!decided) {
    const seen = await Promise.all([first, second].map((n) => admin.get<Tenant>(TenantResource, n)));
    return {
      verdict: 'unsafe',
      detail: seen
        .map((t) => `${t.metadata.name}: ${condition(t, 'Ready')?.reason ?? 'no status'}`)
        .join(', '),
    };
  }
  const ownerUid = log.owner('namespace owner');
  const heldBy = [log.owner('namespace label'), ownerUid ? tenantOfUid.get(ownerUid) : undefined];
  return heldBy.every((h) => h === decided.winner)
    ? { ...decided, verdict: 'stalled', detail: '' }
    : {
        ...decided,
        verdict: 'unsafe',
        detail: `first held by ${heldBy.join(' / ')}, winner ${decided.winner}`,
      };
}

/**
 * A switch can come after the decision: watch on for HOLD_MS (an observation window, not a
 * wait for state), then until the namespace watch has seen the namespace as it is now.
 */
async function holdAndCatchUp(pair: Pair, log: OwnershipLog): Promise<void> {
  const until = Date.now() + HOLD_MS;
  await waitFor(`the watches of ${pair.contested} to catch up`, async () => {
    const ns = await admin.find<Namespace>(Builtin.Namespace, pair.contested);
    return Date.now() >= until && (!ns || log.seenVersion.get('namespace') === ns.metadata.resourceVersion);
  });
}

it(
  `${TRIALS} trials of two tenants racing for one namespace: never a switch of ownership`,
  async () => {
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) trials.push(await runTrial(i));

    // The losers' deletion must not take the namespace they lost (cleanup by label would).
    const decided = trials.filter((t) => t.winner && t.loser);
    for (const t of decided) await admin.delete(TenantResource, t.loser ?? '');
    await waitFor(
      'the losers to be gone',
      async () => {
        for (const t of decided) if (await admin.find(TenantResource, t.loser ?? '')) return false;
        return true;
      },
      { timeoutMs: 120_000 },
    );
    const taken: string[] = [];
    for (const t of decided) {
      const ns = await admin.find<Namespace>(Builtin.Namespace, t.contested);
      if (!ns || ns.metadata.deletionTimestamp || ns.metadata.labels?.[LABEL_TENANT] !== t.winner) {
        taken.push(t.contested);
      }
    }

    const count = (f: (t: Trial) => boolean) => trials.filter(f).length;
    const switches = trials.flatMap((t) => t.switches);
    const figures = {
      trials: trials.length,
      suffix: count((t) => t.kind === 'suffix'),
      system: count((t) => t.kind === 'system'),
      refused: count((t) => t.verdict === 'refused'),
      stalled: count((t) => t.verdict === 'stalled'),
      unsafe: count((t) => t.verdict === 'unsafe'),
      switches: switches.length,
      loserReady: count((t) => t.loserReady),
      takenByLoserDeletion: taken.length,
    };
    console.info(
      [
        `namespace race (issue 9.3): ${figures.trials} trials (${figures.suffix} suffix, ${figures.system} system namespace)`,
        `  refused at admission: ${figures.refused}`,
        `  one winner, loser Stalled NamespaceConflict: ${figures.stalled}`,
        `  unsafe (no clean decision or the wrong holder): ${figures.unsafe}`,
        `  ownership switches: ${figures.switches}`,
        `  losers shown Ready=True: ${figures.loserReady}`,
        `  winners' namespaces taken by the loser's deletion: ${figures.takenByLoserDeletion}`,
        ...trials
          .filter((t) => t.verdict === 'unsafe' || t.switches.length || t.loserReady)
          .map((t) => `  ${t.contested} (${t.kind}): ${t.verdict} ${t.switches.join('; ')} ${t.detail}`),
        ...taken.map((n) => `  taken: ${n}`),
      ].join('\n'),
    );
    expect(figures).toMatchObject({ unsafe: 0, switches: 0, loserReady: 0, takenByLoserDeletion: 0 });
    expect(figures.refused + figures.stalled).toBe(TRIALS);
  },
  TRIALS * (DECISION_MS + 10_000) + 180_000,
);
