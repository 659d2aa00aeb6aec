import type { StatementSigner } from '../evidence/sign.ts';
import { appendEvents, GrowthLogFullError } from '../growth/log.ts';
import { readPreferences, writePreferences } from '../growth/preferences.ts';
import { type Clock, isoSeconds } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Logger } from '../runtime/log.ts';
import type { Identity } from './authenticate.ts';
import { tenantDocument } from './document.ts';
import { collectEvidence } from './evidence.ts';
import {
  TENANT_API_GROUP_VERSION,
  type TenantApiClusterResourceName,
  type TenantApiResourceName,
  type TenantApiVerb,
} from './names.ts';
import { parsePreferences } from './preferences-body.ts';
import { changeEvent, viewEvent } from './records.ts';
import { StatusError } from './status.ts';
import { currentPeriod, periodProblem, UsageProblem, usageOf } from './usage.ts';
import { checkClaims, parseValidationReport } from './validation-reports.ts';

/** What the handlers act with: the operator's own client, its namespace, the clock, its signer. */
export interface HandlerContext {
  client: KubeClient;
  /** The operator's namespace: growth logs, preferences, the ledger and the public keys live there. */
  namespace: string;
  clock: Clock;
  /** The operator's evidence signer (the receipts' key); absent when self-serve onboarding is off. */
  signer?: StatementSigner | undefined;
  /** Where what the operator signs on request is recorded. */
  log?: Logger | undefined;
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

/** An authenticated, authorized request for a cluster-scoped resource: no tenant. */
export type ClusterRequest = Omit<ResourceRequest, 'tenant'>;

type ClusterHandler = (ctx: HandlerContext, req: ClusterRequest) => Promise<object>;

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

/**
 * Signs a validation run's statements with the operator's key, once the operator has checked
 * for itself that they are about this cluster and a bundle installed here: the signature says
 * the operator of this cluster accepted the run, and the private key never leaves it.
 */
const createValidationReport: ClusterHandler = async (ctx, req) => {
  const signer = ctx.signer;
  if (!signer)
    throw new StatusError(
      'ServiceUnavailable',
      'this operator signs no evidence (self-serve onboarding, which holds its signing key, is off); sign the run with your own key instead (tenantry validate --key FILE)',
    );
  const statements = parseValidationReport(req.body);
  const claims = await checkClaims(ctx.client, statements);
  req.checkDeadline();
  const [testResult, results] = await Promise.all([
    signer.sign(statements.testResult),
    signer.sign(statements.results),
  ]);
  ctx.log?.info(
    {
      user: req.who.user,
      cluster: claims.kubeSystemUid,
      bundle: claims.bundle,
      result: (statements.testResult.predicate as { result?: unknown } | null)?.result,
      keyIds: [...new Set([testResult.keyId, results.keyId])],
    },
    'signed validation evidence',
  );
  return {
    apiVersion: TENANT_API_GROUP_VERSION,
    kind: 'ValidationReport',
    metadata: {},
    signed: { testResult, results },
  };
};

/** The handler of each cluster-scoped resource and verb, authorized as that pair, cluster-wide. */
export const CLUSTER_HANDLERS: Record<
  TenantApiClusterResourceName,
  Partial<Record<TenantApiVerb, ClusterHandler>>
> = {
  validationreports: { create: createValidationReport },
};
