// One x-kubernetes-validations rule, compiled once: its program, whether it is a transition
// rule (it reads oldSelf), and the message the API server gives when it fails or errs.

import type { ASTNode, ParseResult } from '@marcbachmann/cel-js';
import type { ValidationRule } from '../../api/openapi-schema.ts';
import { validationRuleEnvironment } from './environment.ts';

export interface CompiledRule {
  rule: ValidationRule;
  /** Undefined when the rule does not compile; `compileError` says why. */
  program?: ParseResult;
  compileError?: string;
  messageProgram?: ParseResult;
  /** Reads oldSelf: only meaningful on update, so a create skips it (unless optionalOldSelf). */
  transition: boolean;
}

const compiled = new WeakMap<ValidationRule, CompiledRule>();

export function compileRule(rule: ValidationRule): CompiledRule {
  const cached = compiled.get(rule);
  if (cached) return cached;
  const env = validationRuleEnvironment();
  let result: CompiledRule;
  try {
    const program = env.parse(rule.rule);
    result = { rule, program, transition: readsOldSelf(program.ast) };
  } catch (e) {
    result = { rule, compileError: firstLine(e), transition: false };
  }
  if (rule.messageExpression) {
    try {
      result.messageProgram = env.parse(rule.messageExpression);
    } catch {
      // The API server refuses such a CRD; here the plain message stands in.
    }
  }
  compiled.set(rule, result);
  return result;
}

function readsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsOldSelf);
  if (typeof node !== 'object' || node === null || !('op' in node)) return false;
  const { op, args } = node as ASTNode;
  return op === 'id' ? args === 'oldSelf' : readsOldSelf(args);
}

export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

/** The rule as error messages quote it: its message if it has one, else its expression. */
function ruleErrorString(rule: ValidationRule): string {
  return rule.message?.trim() || rule.rule.trim();
}

/** What the API server says when the rule evaluates to false. */
export function failureMessage(compiledRule: CompiledRule, self: unknown): string {
  const { rule, messageProgram } = compiledRule;
  let message = rule.message?.trim() || `failed rule: ${rule.rule.trim()}`;
  if (messageProgram) {
    try {
      const value: unknown = messageProgram({ self });
      if (typeof value === 'string' && value.trim() !== '' && !value.includes('\n')) message = value.trim();
    } catch {
      // An erring messageExpression falls back to the message, as in the API server.
    }
  }
  const reason = REASON_PREFIX[rule.reason ?? ''] ?? '';
  return `${reason}${message}`;
}

/** How the API server's field errors name each reason; FieldValueInvalid needs no prefix here. */
const REASON_PREFIX: Record<string, string> = {
  FieldValueForbidden: 'Forbidden: ',
  FieldValueRequired: 'Required value: ',
  FieldValueDuplicate: 'Duplicate value: ',
};

/** What the API server says when evaluating the rule fails (a missing key, an overflow, ...). */
export function evaluationErrorMessage(rule: ValidationRule, error: unknown): string {
  const text = firstLine(error);
  const detail = text.charAt(0).toLowerCase() + text.slice(1);
  if (detail.startsWith('no such overload') || detail.startsWith('found no matching overload')) {
    return `'${detail}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`;
  }
  return `${detail} evaluating rule: ${ruleErrorString(rule)}`;
}
