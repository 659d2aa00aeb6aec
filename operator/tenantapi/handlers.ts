import { appendEvents, GrowthLogFullError } from '../growth/log.ts';
import { readPreferences, writePreferences } from '../growth/preferences.ts';
import { type Clock, isoSeconds } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Identity } from './authenticate.ts';
import { tenantDocument } from './document.ts';
import { collectEvidence } from './evidence.ts';
import type { TenantApiResourceName, TenantApiVerb } from './names.ts';
import { parsePreferences } from './preferences-body.ts';
import { changeEvent, viewEvent } from './records.ts';
import { StatusError } from './status.ts';
import { currentPeriod, periodProblem, UsageProblem, usageOf } from './usage.ts';

/** What the handlers act with: the operator's own client, its namespace, the clock. */
export interface HandlerContext {
  client: KubeClient;
  /** The operator's namespace: growth logs, preferences, the ledger and the public keys live there. */
  namespace: string;
  clock: Clock;
}

/** An authenticated, authorized request for one tenant's resource. */
export interface ResourceRequest {
  tenant: string;
  who: Identity;
  query: URLSearchParams;
  body: string;
  /**
   * Throws once the request's deadline has passed. Called before anything is recorded, so an
   * answer the caller never gets is not logged as handed out.
   */
  checkDeadline(): void;
}

type Handler = (ctx: HandlerContext, req: ResourceRequest) => Promise<object>;

const origin = (ctx: HandlerContext) => ctx.namespace;

/**
 * Parts of a day's growth log that tenant API actions may fill (about 3 MiB, thousands of
 * actions: views count once a user, resource and hour). Past it an action is refused rather
 * than handed out unrecorded.
 */
export const TENANT_API_MAX_PARTS = 4;

async function record(
  ctx: HandlerContext,
  tenant: string,
  event: Parameters<typeof appendEvents>[3][number],
) {
  try {
    await appendEvents(ctx.client, ctx.namespace, tenant, [event], { maxParts: TENANT_API_MAX_PARTS });
  } catch (e) {
    if (!(e instanceof GrowthLogFullError)) throw e;
    const nextDay = Date.parse(`${e.day}T00:00:00Z`) + 86_400_000;
    throw new StatusError(
      'TooManyRequests',
      `tenant ${tenant} has made as many recorded tenant API actions today (${e.day}, UTC) as one day may hold; every action is recorded, so this one is refused until the day ends`,
      { retryAfterSeconds: Math.max(1, Math.ceil((nextDay - ctx.clock.now()) / 1000)) },
    );
  }
}

/** Records a view once its document is ready, unless the caller will not get it any more. */
async function recordView(
  ctx: HandlerContext,
  req: ResourceRequest,
  view: Pick<Parameters<typeof viewEvent>[0], 'resource' | 'digest' | 'items' | 'period'>,
) {
  req.checkDeadline();
  await record(
    ctx,
    req.tenant,
    viewEvent({ ...view, tenant: req.tenant, who: req.who, now: ctx.clock.now(), origin: origin(ctx) }),
  );
}

const getEvidence: Handler = async (ctx, req) => {
  const doc = await collectEvidence(ctx.client, req.tenant, ctx.namespace);
  await recordView(ctx, req, { resource: 'evidence', digest: doc.digest, items: doc.bundles.length });
  return doc;
};

const getUsage: Handler = async (ctx, req) => {
  const period = req.query.get('period') ?? currentPeriod(ctx.clock.now());
  const problem = periodProblem(period);
  if (problem) throw new StatusError('BadRequest', `query parameter ${problem}`);
  let doc: Awaited<ReturnType<typeof usageOf>>;
  try {
    doc = await usageOf(ctx.client, ctx.namespace, req.tenant, period);
  } catch (e) {
    if (!(e instanceof UsageProblem)) throw e;
    throw new StatusError(e.kind === 'missing' ? 'NotFound' : 'InternalError', e.message, {
      name: req.tenant,
      kind: 'usage',
    });
  }
  await recordView(ctx, req, { resource: 'usage', digest: doc.digest, items: doc.lines.length, period });
  return doc;
};

const getPreferences: Handler = async (ctx, req) =>
  tenantDocument(
    'NudgePreferences',
    req.tenant,
    await readPreferences(ctx.client, ctx.namespace, req.tenant),
  );

const putPreferences: Handler = async (ctx, req) => {
  const change = parsePreferences(req.body, req.tenant);
  const now = ctx.clock.now();
  const written = await writePreferences(ctx.client, ctx.namespace, req.tenant, {
    by: req.who.user,
    at: isoSeconds(now),
    ...change,
  });
  const doc = tenantDocument('NudgePreferences', req.tenant, written);
  await record(
    ctx,
    req.tenant,
    changeEvent({
      tenant: req.tenant,
      resource: 'nudgepreferences',
      who: req.who,
      digest: doc.digest,
      now,
      origin: origin(ctx),
    }),
  );
  return doc;
};

/** The handler of each resource and verb; the server authorizes exactly that pair first. */
export const HANDLERS: Record<TenantApiResourceName, Partial<Record<TenantApiVerb, Handler>>> = {
  evidence: { get: getEvidence },
  usage: { get: getUsage },
  nudgepreferences: { get: getPreferences, update: putPreferences },
};
