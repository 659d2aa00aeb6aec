import { type FixContext, getPreset, groupsClaimFor, type IdentityPreset, type Preset } from '../presets.ts';
import type { SecretLocation } from '../secret-location.ts';

/** What to check: the tenant's OpenID Connect client at its identity provider. */
export interface IdentityConfig {
  preset: IdentityPreset;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Where the client secret is kept, so the fix for a wrong one names the Secret and key to update. */
  clientSecretRef?: SecretLocation;
  redirectUri: string;
  scopes?: string[];
  groupsClaim?: string;
}

export interface IdentityCheckOptions {
  /** Per check, from when the check's own requests start. Default 5000. */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) to trust, for private PKI and tests. */
  ca?: string | undefined;
  /** The local clock (ms since the epoch), for clock skew; Date.now by default. */
  now?: () => number;
}

/** What every check is given: the configuration, its preset, and how to reach the provider. */
export interface CheckContext {
  config: IdentityConfig;
  preset: Preset;
  fix: FixContext;
  timeoutMs: number;
  ca: string | undefined;
  now: () => number;
}

const DEFAULT_TIMEOUT_MS = 5000;

export function checkContext(config: IdentityConfig, opts: IdentityCheckOptions = {}): CheckContext {
  const preset = getPreset(config.preset);
  const groupsClaim = groupsClaimFor(preset, config.groupsClaim);
  return {
    config,
    preset,
    fix: {
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      groupsClaim: groupsClaim ?? 'groups',
      scopes: [],
    },
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ca: opts.ca,
    now: opts.now ?? Date.now,
  };
}
