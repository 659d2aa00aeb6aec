// Kubernetes' CEL semver library: isSemver, semver() and comparisons of semantic versions
// (major.minor.patch, with pre-release ordering as semver.org defines it).

import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './library-support.ts';

const STRICT =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export class SemanticVersion {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string[];

  constructor(major: bigint, minor: bigint, patch: bigint, pre: string[]) {
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.pre = pre;
  }

  compare(other: SemanticVersion): number {
    for (const key of ['major', 'minor', 'patch'] as const) {
      if (this[key] !== other[key]) return this[key] < other[key] ? -1 : 1;
    }
    if (this.pre.length === 0 || other.pre.length === 0) return other.pre.length - this.pre.length;
    for (let i = 0; i < Math.max(this.pre.length, other.pre.length); i++) {
      const a = this.pre[i];
      const b = other.pre[i];
      if (a === undefined || b === undefined) return a === undefined ? -1 : 1;
      if (a === b) continue;
      const an = /^\d+$/.test(a);
      const bn = /^\d+$/.test(b);
      if (an && bn) return BigInt(a) < BigInt(b) ? -1 : 1;
      if (an !== bn) return an ? -1 : 1;
      return a < b ? -1 : 1;
    }
    return 0;
  }
}

/** With `normalize`, a leading v, missing minor or patch and leading zeros are accepted. */
export function parseSemver(text: string, normalize = false): SemanticVersion | undefined {
  let input = text;
  if (normalize) {
    const [core = '', ...rest] = input.replace(/^v/, '').split(/(?=[-+])/);
    const parts = core.split('.');
    while (parts.length < 3) parts.push('0');
    input = parts.map((p) => (/^\d+$/.test(p) ? String(BigInt(p)) : p)).join('.') + rest.join('');
  }
  const match = STRICT.exec(input);
  if (!match) return undefined;
  const [, major = '0', minor = '0', patch = '0', pre] = match;
  return new SemanticVersion(BigInt(major), BigInt(minor), BigInt(patch), pre ? pre.split('.') : []);
}

function semverOrThrow(text: string, normalize = false): SemanticVersion {
  const version = parseSemver(text, normalize);
  if (!version) throw celError(`semver parse error during conversion from string: ${text}`);
  return version;
}

export function registerSemverLibrary(env: Environment): void {
  const S = 'kubernetes.Semver';
  env
    .registerType(S, SemanticVersion)
    .registerFunction('isSemver(string): bool', (s: string) => parseSemver(s) !== undefined)
    .registerFunction(
      'isSemver(string, bool): bool',
      (s: string, n: boolean) => parseSemver(s, n) !== undefined,
    )
    .registerFunction(`semver(string): ${S}`, (s: string) => semverOrThrow(s))
    .registerFunction(`semver(string, bool): ${S}`, semverOrThrow)
    .registerFunction(`${S}.major(): int`, (v: SemanticVersion) => v.major)
    .registerFunction(`${S}.minor(): int`, (v: SemanticVersion) => v.minor)
    .registerFunction(`${S}.patch(): int`, (v: SemanticVersion) => v.patch)
    .registerFunction(`${S}.compareTo(${S}): int`, (a: SemanticVersion, b: SemanticVersion) =>
      BigInt(a.compare(b)),
    )
    .registerFunction(
      `${S}.isGreaterThan(${S}): bool`,
      (a: SemanticVersion, b: SemanticVersion) => a.compare(b) > 0,
    )
    .registerFunction(
      `${S}.isLessThan(${S}): bool`,
      (a: SemanticVersion, b: SemanticVersion) => a.compare(b) < 0,
    )
    .registerOperator(`${S} == ${S}`, (a: SemanticVersion, b: SemanticVersion) => a.compare(b) === 0);
}
