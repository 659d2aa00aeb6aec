/**
 * Feature flags: each is a kill switch for one capability. All default on; the operator
 * configuration (flag or environment) can turn any of them off.
 */
export const FEATURES = [
  'selfServeOnboarding',
  'oidcQuickConnect',
  'activationChecklist',
  'growthInstrumentation',
  'adminNudges',
  'distributionPackV1',
  'upgradeAssistant',
  'addonDedicatedCompute',
  'addonAuditArchive',
  'entitlementsBilling',
  'advancedResidency',
] as const;

export type Feature = (typeof FEATURES)[number];
export type FeatureFlags = Readonly<Record<Feature, boolean>>;

const DEFAULT_OFF: ReadonlySet<Feature> = new Set(['advancedResidency']);

/**
 * Parses `name=true,other=false`. Unknown names and values are errors, not silently
 * ignored: a typo in a kill switch must not leave the feature running.
 */
export function parseFeatureFlags(spec: string | undefined): FeatureFlags {
  const flags = Object.fromEntries(FEATURES.map((f) => [f, !DEFAULT_OFF.has(f)])) as Record<Feature, boolean>;
  for (const part of (spec ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name = '', value = 'true', ...rest] = part.split('=').map((s) => s.trim());
    if (!(FEATURES as readonly string[]).includes(name)) {
      throw new Error(`unknown feature "${name}"; known features: ${FEATURES.join(', ')}`);
    }
    if (rest.length || !['true', 'false'].includes(value)) {
      throw new Error(`feature "${name}" must be set to true or false, got "${part.slice(name.length + 1)}"`);
    }
    flags[name as Feature] = value === 'true';
  }
  return flags;
}

/** Parses durations such as `30s`, `10m`, `1h`, `500ms` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}": use a number with ms, s, m or h, e.g. 30s or 10m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
