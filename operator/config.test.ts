import { describe, expect, it } from 'vitest';
import { parseDuration, parseFeatureFlags } from './config.ts';

describe('feature flags', () => {
  it('turns everything on by default except the stretch goal', () => {
    const f = parseFeatureFlags(undefined);
    expect(f.selfServeOnboarding).toBe(true);
    expect(f.advancedResidency).toBe(false);
  });

  it('parses kill switches', () => {
    const f = parseFeatureFlags('addonAuditArchive=false, advancedResidency=true');
    expect(f.addonAuditArchive).toBe(false);
    expect(f.advancedResidency).toBe(true);
  });

  it('refuses unknown names and values with the list of valid ones', () => {
    expect(() => parseFeatureFlags('addonAuditArchiv=false')).toThrow(
      /unknown feature "addonAuditArchiv".*addonAuditArchive/,
    );
    expect(() => parseFeatureFlags('addonAuditArchive=no')).toThrow(/true or false/);
  });
});

describe('parseDuration', () => {
  it('reads common units', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });
  it('refuses bare numbers', () => {
    expect(() => parseDuration('30')).toThrow(/invalid duration/);
  });
});
