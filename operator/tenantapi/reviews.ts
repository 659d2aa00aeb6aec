import { createHash } from 'node:crypto';
import type { Clock } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Identity, TokenReviewer } from './authenticate.ts';
import { TENANT_API_GROUP, TENANT_API_VERSION, type TenantApiVerb } from './names.ts';

/** The verdict of a SubjectAccessReview. */
export interface Decision {
  allowed: boolean;
  /** RBAC's explanation, when it gives one. */
  reason?: string;
}

/** Asks the API server whether an identity may do a verb on a tenant API resource in a namespace. */
export interface Authorizer {
  decide(
    who: Identity,
    verb: TenantApiVerb,
    resource: string,
    namespace: string,
    name: string,
  ): Promise<Decision>;
}

const REVIEW_TIMEOUT_MS = 5_000;

/** What a SubjectAccessReview asks about: a verb on a resource (and name) of a group, in a namespace or cluster-wide. */
export interface ResourceAttributes {
  group: string;
  version?: string;
  resource: string;
  verb: string;
  namespace?: string;
  name?: string;
}

/**
 * One SubjectAccessReview: may this identity (user, uid, groups, extra) do exactly this? RBAC
 * decides. Not cached, so a RoleBinding removed takes effect at the next request.
 */
export async function reviewAccess(
  client: KubeClient,
  who: Pick<Identity, 'user' | 'uid' | 'groups' | 'extra'>,
  attributes: ResourceAttributes,
): Promise<Decision> {
  const review = await client.request<{ status?: { allowed?: boolean; reason?: string } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: who.user,
          ...(who.uid ? { uid: who.uid } : {}),
          groups: who.groups,
          extra: who.extra,
          resourceAttributes: attributes,
        },
      },
      signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
    },
  );
  return {
    allowed: review.status?.allowed === true,
    ...(review.status?.reason ? { reason: review.status.reason } : {}),
  };
}

/**
 * A SubjectAccessReview for exactly that group, version, resource, verb, namespace and name,
 * with the caller's user, uid, groups and extra, as the API server decided before proxying (a
 * bearer token sent directly meets this check alone).
 */
export function subjectAccessReviewer(client: KubeClient): Authorizer {
  return {
    decide: (who, verb, resource, namespace, name) =>
      reviewAccess(client, who, {
        group: TENANT_API_GROUP,
        version: TENANT_API_VERSION,
        resource,
        verb,
        // Empty for a cluster-scoped resource: the review is then cluster-wide.
        ...(namespace ? { namespace } : {}),
        ...(name ? { name } : {}),
      }),
  };
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

/**
 * TokenReviews for bearer tokens sent to the operator directly, with a short cache keyed by the
 * token's sha256 (never the token), so a client's burst costs one review, and a revoked token
 * stops working within `ttlMs`.
 */
export function tokenReviewer(
  client: KubeClient,
  clock: Clock,
  opts: { ttlMs?: number; maxEntries?: number } = {},
): TokenReviewer {
  const ttlMs = opts.ttlMs ?? 10_000;
  const maxEntries = opts.maxEntries ?? 1_000;
  const cache = new Map<string, { at: number; who: Identity | undefined }>();
  return {
    async review(token) {
      const key = createHash('sha256').update(token).digest('hex');
      const hit = cache.get(key);
      if (hit && clock.now() - hit.at < ttlMs) return hit.who;
      const review = await client.request<{ status?: TokenReviewStatus }>(
        'POST',
        '/apis/authentication.k8s.io/v1/tokenreviews',
        {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
          signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
        },
      );
      const u = review.status?.user;
      const who: Identity | undefined =
        review.status?.authenticated && u?.username
          ? {
              user: u.username,
              ...(u.uid ? { uid: u.uid } : {}),
              groups: u.groups ?? [],
              extra: u.extra ?? {},
              via: 'token',
            }
          : undefined;
      cache.delete(key);
      cache.set(key, { at: clock.now(), who });
      // Oldest first in insertion order: drop from the front.
      for (const k of cache.keys()) {
        if (cache.size <= maxEntries) break;
        cache.delete(k);
      }
      return who;
    },
  };
}
