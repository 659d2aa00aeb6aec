// What the Kubernetes CEL libraries share: how they fail, and namespaces such as
// `format.` and `sets.` that group functions without being values of their own.

import { type Environment, EvaluationError } from '@marcbachmann/cel-js';

/** A runtime error, reported by the API server as `<message> evaluating rule: <rule>`. */
export function celError(message: string): EvaluationError {
  return new EvaluationError(message);
}

/**
 * Makes `name.fn(...)` callable: CEL resolves it as a method of a constant, so the namespace
 * is a type with one value. Returns the type's name for the method signatures.
 */
export function registerNamespace(env: Environment, name: string): string {
  const type = `${name[0]?.toUpperCase()}${name.slice(1)}Namespace`;
  // One class per namespace: the library tells types apart by constructor.
  const Namespace = class {};
  env.registerType(type, Namespace).registerConstant(name, type, new Namespace());
  return type;
}
