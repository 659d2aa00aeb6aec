import { createInterface } from 'node:readline/promises';
import type { IdentityPreset, PolicyProfile } from '../../operator/api/v1alpha1/index.ts';
import { CliError, EXIT } from '../exit-codes.ts';

/** Everything signup needs; flags fill it, prompts ask for the rest. */
export interface SignupAnswers {
  name: string;
  displayName: string;
  region: string;
  retentionDays: number;
  policyProfile: PolicyProfile;
  owners: string[];
  namespaces: string[];
  domain?: string | undefined;
  identity?:
    | {
        preset: IdentityPreset;
        issuer: string;
        clientId: string;
        redirectUri: string;
        clientSecret?: string | undefined;
      }
    | undefined;
}

export interface SignupFlags {
  name?: string;
  displayName?: string;
  region?: string;
  retention?: string;
  profile?: string;
  owner?: string[];
  namespace?: string[];
  domain?: string;
  idp?: string;
  issuer?: string;
  clientId?: string;
  clientSecretFile?: string;
  redirectUri?: string;
  input: boolean;
}

const PROFILES: readonly PolicyProfile[] = ['baseline', 'restricted', 'regulated'];
const PRESETS: readonly IdentityPreset[] = ['okta', 'entra', 'google', 'keycloak', 'auth0', 'oidc'];
const MIN_RETENTION: Record<PolicyProfile, number> = { baseline: 1, restricted: 90, regulated: 365 };

type Ask = (question: string, fallback?: string) => Promise<string>;

/**
 * Collects the answers: from flags, then by asking on a terminal. Without a terminal (or
 * with --no-input) a missing required answer is a usage error naming its flag, so scripts
 * fail fast instead of hanging on a prompt.
 */
export async function collectAnswers(
  flags: SignupFlags,
  readSecret: (file: string) => string,
): Promise<SignupAnswers> {
  const interactive = flags.input && process.stdin.isTTY === true;
  const rl = interactive ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  const missing: string[] = [];
  const ask: Ask = async (question, fallback) => {
    if (!rl) return fallback ?? '';
    const answer = (await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim();
    return answer || fallback || '';
  };
  const need = async (value: string | undefined, flag: string, question: string, fallback?: string) => {
    if (value !== undefined) return value;
    if (!rl) {
      if (fallback !== undefined) return fallback;
      missing.push(flag);
      return '';
    }
    return ask(question, fallback);
  };
  try {
    const name = await need(flags.name, '--name', 'Tenant name (lower case, e.g. acme)');
    const displayName = await need(
      flags.displayName,
      '--display-name',
      'Organisation name',
      name || undefined,
    );
    const region = await need(flags.region, '--region', 'Region (e.g. eu-west-1)');
    const profile = await need(
      flags.profile,
      '--profile',
      `Policy profile (${PROFILES.join('/')})`,
      'baseline',
    );
    const retention = await need(
      flags.retention,
      '--retention',
      'Retention in days',
      String(MIN_RETENTION[profile as PolicyProfile] ?? 30),
    );
    const owners = flags.owner?.length
      ? flags.owner
      : splitList(await need(undefined, '--owner', 'Owners (comma-separated users)'));
    const namespaces = flags.namespace?.length ? flags.namespace : ['default'];
    const domain =
      flags.domain ?? (rl ? (await ask('Domain to verify (empty to skip)')) || undefined : undefined);
    let identity: SignupAnswers['identity'];
    const idp =
      flags.idp ??
      (rl ? (await ask(`Identity provider (${PRESETS.join('/')}, empty to skip)`)) || undefined : undefined);
    if (idp) {
      const issuer = await need(flags.issuer, '--issuer', 'Issuer URL');
      const clientId = await need(flags.clientId, '--client-id', 'Client id');
      const redirectUri = await need(flags.redirectUri, '--redirect-uri', 'Redirect URI');
      identity = {
        preset: idp as IdentityPreset,
        issuer,
        clientId,
        redirectUri,
        clientSecret: flags.clientSecretFile ? readSecret(flags.clientSecretFile) : undefined,
      };
    }
    if (missing.length) {
      throw new CliError(
        `missing ${missing.join(', ')} (no terminal to ask on; pass them as flags)`,
        EXIT.usage,
      );
    }
    const answers: SignupAnswers = {
      name,
      displayName,
      region,
      retentionDays: Number(retention),
      policyProfile: profile as PolicyProfile,
      owners,
      namespaces,
      domain,
      identity,
    };
    const problems = validate(answers);
    if (problems.length) throw new CliError(`invalid answers:\n  ${problems.join('\n  ')}`, EXIT.usage);
    return answers;
  } finally {
    rl?.close();
  }
}

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Checks that need no cluster; the API server's dry run catches the rest before anything is created. */
export function validate(a: SignupAnswers): string[] {
  const p: string[] = [];
  if (!PROFILES.includes(a.policyProfile))
    p.push(`--profile must be one of ${PROFILES.join(', ')}, got "${a.policyProfile}"`);
  if (!Number.isInteger(a.retentionDays) || a.retentionDays < 1)
    p.push('--retention must be a whole number of days');
  else if (PROFILES.includes(a.policyProfile) && a.retentionDays < MIN_RETENTION[a.policyProfile]) {
    p.push(
      `--retention must be at least ${MIN_RETENTION[a.policyProfile]} days for the ${a.policyProfile} profile`,
    );
  }
  if (!a.owners.length) p.push('--owner: at least one owner is required');
  if (a.identity && !PRESETS.includes(a.identity.preset))
    p.push(`--idp must be one of ${PRESETS.join(', ')}`);
  if (a.identity && !a.identity.issuer.startsWith('https://')) p.push('--issuer must be an https:// URL');
  return p;
}
