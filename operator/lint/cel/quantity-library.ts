// Kubernetes' CEL quantity library: isQuantity, quantity() and comparisons and arithmetic on
// resource quantities such as 500m, 2Gi or 1e3, computed exactly (as fractions).

import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './library-support.ts';

const QUANTITY =
  /^([+-]?)((?:[0-9]+(?:\.[0-9]*)?)|(?:\.[0-9]+))((?:[KMGTPE]i)|[numkMGTPE]|(?:[eE][+-]?[0-9]+))?$/;

const DECIMAL_SUFFIX: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A quantity as an exact fraction numerator / denominator (denominator > 0). */
export class Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;

  constructor(numerator: bigint, denominator: bigint) {
    this.numerator = numerator;
    this.denominator = denominator;
  }

  compare(other: Quantity): number {
    const left = this.numerator * other.denominator;
    const right = other.numerator * this.denominator;
    return left < right ? -1 : left > right ? 1 : 0;
  }

  plus(other: Quantity, sign: 1n | -1n): Quantity {
    return new Quantity(
      this.numerator * other.denominator + sign * other.numerator * this.denominator,
      this.denominator * other.denominator,
    );
  }

  isInteger(): boolean {
    return this.numerator % this.denominator === 0n;
  }
}

export function parseQuantity(text: string): Quantity | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY_SUFFIX[suffix];
  const decimal = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : DECIMAL_SUFFIX[suffix];
  if (binary !== undefined) numerator *= 2n ** BigInt(binary);
  else if (decimal !== undefined && decimal >= 0) numerator *= 10n ** BigInt(decimal);
  else if (decimal !== undefined) denominator *= 10n ** BigInt(-decimal);
  return new Quantity(numerator, denominator);
}

function quantityOrThrow(text: string): Quantity {
  const quantity = parseQuantity(text);
  if (!quantity) throw celError('quantities must match the regular expression');
  return quantity;
}

function asInteger(q: Quantity): bigint {
  if (!q.isInteger()) throw celError('cannot convert value to integer');
  const value = q.numerator / q.denominator;
  if (value > INT64_MAX || value < INT64_MIN) throw celError('cannot convert value to integer');
  return value;
}

const fromInt = (n: bigint) => new Quantity(n, 1n);

export function registerQuantityLibrary(env: Environment): void {
  env
    .registerType('kubernetes.Quantity', Quantity)
    .registerFunction('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined)
    .registerFunction('quantity(string): kubernetes.Quantity', quantityOrThrow)
    .registerFunction('kubernetes.Quantity.isInteger(): bool', (q: Quantity) => q.isInteger())
    .registerFunction('kubernetes.Quantity.asInteger(): int', asInteger)
    .registerFunction(
      'kubernetes.Quantity.asApproximateFloat(): double',
      (q: Quantity) => Number(q.numerator) / Number(q.denominator),
    )
    .registerFunction('kubernetes.Quantity.sign(): int', (q: Quantity) => BigInt(q.compare(fromInt(0n))))
    .registerFunction(
      'kubernetes.Quantity.add(kubernetes.Quantity): kubernetes.Quantity',
      (a: Quantity, b: Quantity) => a.plus(b, 1n),
    )
    .registerFunction('kubernetes.Quantity.add(int): kubernetes.Quantity', (a: Quantity, b: bigint) =>
      a.plus(fromInt(b), 1n),
    )
    .registerFunction(
      'kubernetes.Quantity.sub(kubernetes.Quantity): kubernetes.Quantity',
      (a: Quantity, b: Quantity) => a.plus(b, -1n),
    )
    .registerFunction('kubernetes.Quantity.sub(int): kubernetes.Quantity', (a: Quantity, b: bigint) =>
      a.plus(fromInt(b), -1n),
    )
    .registerFunction('kubernetes.Quantity.compareTo(kubernetes.Quantity): int', (a: Quantity, b: Quantity) =>
      BigInt(a.compare(b)),
    )
    .registerFunction(
      'kubernetes.Quantity.isGreaterThan(kubernetes.Quantity): bool',
      (a: Quantity, b: Quantity) => a.compare(b) > 0,
    )
    .registerFunction(
      'kubernetes.Quantity.isLessThan(kubernetes.Quantity): bool',
      (a: Quantity, b: Quantity) => a.compare(b) < 0,
    )
    .registerOperator(
      'kubernetes.Quantity == kubernetes.Quantity',
      (a: Quantity, b: Quantity) => a.compare(b) === 0,
    );
}
