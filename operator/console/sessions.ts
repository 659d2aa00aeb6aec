import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../runtime/clock.ts';
import type { Identity } from '../tenantapi/authenticate.ts';

/** A signed-in person: who the API server (or the IdP, mapped as Kubernetes maps it) says she is. */
export interface Session {
  id: string;
  /** Sent back with every state change (a form field), compared with this. */
  csrf: string;
  who: Identity;
  /** How she signed in. */
  via: 'token' | 'oidc' | 'local';
  createdAt: number;
  seenAt: number;
}

export interface SessionLimits {
  /** A session unused this long is gone. */
  idleMs: number;
  /** A session is gone this long after sign-in, however busy. */
  absoluteMs: number;
  /** Sessions kept at most; the oldest go first. */
  max: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  idleMs: 30 * 60_000,
  absoluteMs: 8 * 3_600_000,
  max: 10_000,
};

export const randomId = () => randomBytes(32).toString('base64url');

/** Compares two secrets in constant time (a CSRF token, a one-time code). */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Sessions in memory, bounded and expiring. The credential she signed in with is not kept: only
 * the identity it proved, so nothing in here is worth replaying against the API server. A
 * restart signs everyone out, which for an admin console is a feature.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly clock: Clock;
  readonly limits: SessionLimits;

  constructor(clock: Clock, limits: SessionLimits = DEFAULT_SESSION_LIMITS) {
    this.clock = clock;
    this.limits = limits;
  }

  create(who: Identity, via: Session['via']): Session {
    const now = this.clock.now();
    const s: Session = { id: randomId(), csrf: randomId(), who, via, createdAt: now, seenAt: now };
    this.sessions.set(s.id, s);
    // Insertion order is creation order: the oldest are first.
    for (const id of this.sessions.keys()) {
      if (this.sessions.size <= this.limits.max) break;
      this.sessions.delete(id);
    }
    return s;
  }

  /** The live session of that id, marked as used now; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.clock.now();
    if (now - s.seenAt > this.limits.idleMs || now - s.createdAt > this.limits.absoluteMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.seenAt = now;
    return s;
  }

  drop(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/**
 * Short-lived values tied to a browser before she has a session (an OIDC login's state,
 * nonce and PKCE verifier; a login form's token), bounded like sessions, each taken once.
 */
export class PendingStore<T> {
  private readonly items = new Map<string, { at: number; value: T }>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(clock: Clock, ttlMs = 10 * 60_000, max = 10_000) {
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.max = max;
  }

  put(value: T): string {
    const id = randomId();
    this.items.set(id, { at: this.clock.now(), value });
    for (const k of this.items.keys()) {
      if (this.items.size <= this.max) break;
      this.items.delete(k);
    }
    return id;
  }

  /** The value, removed: a second take of the same id finds nothing. */
  take(id: string | undefined): T | undefined {
    if (!id) return undefined;
    const hit = this.items.get(id);
    this.items.delete(id);
    return hit && this.clock.now() - hit.at <= this.ttlMs ? hit.value : undefined;
  }
}
