// Kubernetes' CEL list library (isSorted, sum, min, max, indexOf, lastIndexOf) and CEL's sets
// extension (sets.contains, sets.equivalent, sets.intersects).

import type { Environment } from '@marcbachmann/cel-js';
import { celError, registerNamespace } from './library-support.ts';

type Comparable = bigint | number | string | boolean | Date;

function compare(a: Comparable, b: Comparable): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** CEL equality for the values rules compare: scalars by value, lists and maps by content. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return Number(a) === Number(b);
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => celEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

function extreme(list: Comparable[], want: 1 | -1, name: string): Comparable {
  const [first, ...rest] = list;
  if (first === undefined) throw celError(`${name}(): list must not be empty`);
  return rest.reduce((best, x) => (compare(x, best) * want > 0 ? x : best), first);
}

function sum(list: (bigint | number)[]): bigint | number {
  if (list.length === 0) return 0n;
  if (list.every((x) => typeof x === 'bigint')) return (list as bigint[]).reduce((a, b) => a + b, 0n);
  return list.reduce<number>((a, b) => a + Number(b), 0);
}

const has = (list: unknown[], x: unknown) => list.some((y) => celEquals(x, y));

export function registerCollectionsLibrary(env: Environment): void {
  env
    .registerFunction('list.isSorted(): bool', (l: Comparable[]) =>
      l.every((x, i) => i === 0 || compare(l[i - 1] as Comparable, x) <= 0),
    )
    .registerFunction('list.sum(): dyn', sum)
    .registerFunction('list.min(): dyn', (l: Comparable[]) => extreme(l, -1, 'min'))
    .registerFunction('list.max(): dyn', (l: Comparable[]) => extreme(l, 1, 'max'))
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], x: unknown) =>
      BigInt(l.findIndex((y) => celEquals(x, y))),
    )
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], x: unknown) =>
      BigInt(l.findLastIndex((y) => celEquals(x, y))),
    );
  const sets = registerNamespace(env, 'sets');
  env
    .registerFunction(`${sets}.contains(list, list): bool`, (_: unknown, a: unknown[], b: unknown[]) =>
      b.every((x) => has(a, x)),
    )
    .registerFunction(
      `${sets}.equivalent(list, list): bool`,
      (_: unknown, a: unknown[], b: unknown[]) => b.every((x) => has(a, x)) && a.every((x) => has(b, x)),
    )
    .registerFunction(`${sets}.intersects(list, list): bool`, (_: unknown, a: unknown[], b: unknown[]) =>
      b.some((x) => has(a, x)),
    );
}
