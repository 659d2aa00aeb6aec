// TypeScript type syntax → OpenAPI v3 schema. Works on the written type annotations
// rather than the checker's resolved types, because the aliases carry meaning the checker
// erases: `int32` is a number to TypeScript but `type: integer` to the API server, and
// `DNSLabel` brings its @pattern along.

import {
  type IndexSignatureDeclaration,
  type InterfaceDeclaration,
  Node,
  type PropertySignature,
  SyntaxKind,
  type TypeAliasDeclaration,
  type TypeNode,
} from 'ts-morph';
import type { OpenApiSchema, ValidationRule } from '../../operator/api/openapi-schema.ts';
import { locate, parseKeyValues, parseYamlValue, readDoc, type Tag } from './tags.ts';

export interface Context {
  /** Repository root, to print short source locations. */
  root: string;
  problems: string[];
  /** Names of the declarations being expanded, to refuse recursive types. */
  stack: string[];
}

/** Aliases that mean `type: integer`; the alias name becomes the format. */
const INTEGER_ALIASES = new Set(['int32', 'int64']);

/** Tags that only make sense on the root interface of a kind. */
export const KIND_TAGS = new Set(['shortName', 'category', 'printColumn', 'subresource']);

/** Ordinary JSDoc tags that are documentation, not instructions. */
const DOC_TAGS = new Set(['example', 'remarks', 'see', 'deprecated']);

const VALIDATION_KEYS = ['rule', 'message', 'messageExpression', 'reason', 'fieldPath', 'optionalOldSelf'];
const REASONS = new Set([
  'FieldValueInvalid',
  'FieldValueForbidden',
  'FieldValueRequired',
  'FieldValueDuplicate',
]);

/** Converts a type annotation to a schema. */
export function typeToSchema(node: TypeNode, ctx: Context): OpenApiSchema {
  if (Node.isParenthesizedTypeNode(node)) return typeToSchema(node.getTypeNode(), ctx);
  switch (node.getKind()) {
    case SyntaxKind.StringKeyword:
      return { type: 'string' };
    case SyntaxKind.NumberKeyword:
      return { type: 'number' };
    case SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case SyntaxKind.UnknownKeyword:
    case SyntaxKind.AnyKeyword:
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (Node.isLiteralTypeNode(node)) return literalToSchema(node, ctx);
  if (Node.isArrayTypeNode(node))
    return { type: 'array', items: typeToSchema(node.getElementTypeNode(), ctx) };
  if (Node.isTypeLiteral(node)) return objectSchema(node.getProperties(), node.getIndexSignatures(), ctx);
  if (Node.isUnionTypeNode(node)) return unionToSchema(node, ctx);
  if (Node.isTypeReference(node)) return referenceToSchema(node, ctx);
  return problem(ctx, node, `unsupported type \`${node.getText()}\``);
}

function literalToSchema(node: Node & { getLiteral(): Node }, ctx: Context): OpenApiSchema {
  const literal = node.getLiteral();
  if (Node.isStringLiteral(literal)) return { type: 'string', enum: [literal.getLiteralValue()] };
  if (Node.isNumericLiteral(literal)) {
    const value = literal.getLiteralValue();
    return { type: Number.isInteger(value) ? 'integer' : 'number', enum: [value] };
  }
  if (literal.getKind() === SyntaxKind.TrueKeyword) return { type: 'boolean', enum: [true] };
  if (literal.getKind() === SyntaxKind.FalseKeyword) return { type: 'boolean', enum: [false] };
  return problem(ctx, node, `unsupported literal type \`${node.getText()}\``);
}

function isNullType(node: TypeNode): boolean {
  return Node.isLiteralTypeNode(node) && node.getLiteral().getKind() === SyntaxKind.NullKeyword;
}

/**
 * Unions: string literals → enum; `int | string` → int-or-string; `X | null` → nullable.
 * Anything else has no structural-schema equivalent.
 */
function unionToSchema(node: Node & { getTypeNodes(): TypeNode[] }, ctx: Context): OpenApiSchema {
  const members = node.getTypeNodes().filter((m) => m.getKind() !== SyntaxKind.UndefinedKeyword);
  const nullable = members.some(isNullType);
  const schemas = members.filter((m) => !isNullType(m)).map((m) => typeToSchema(m, ctx));
  let schema: OpenApiSchema;
  const [only] = schemas;
  if (schemas.length === 1 && only) {
    schema = only;
  } else if (schemas.every((s) => s.type === 'string' && s.enum)) {
    schema = { type: 'string', enum: schemas.flatMap((s) => s.enum ?? []) };
  } else if (
    schemas.length === 2 &&
    schemas.some((s) => s.type === 'integer' && !s.enum) &&
    schemas.some((s) => s.type === 'string' && !s.enum)
  ) {
    schema = { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
  } else {
    return problem(
      ctx,
      node,
      `union \`${node.getText()}\` has no structural schema (use string literals or int | string)`,
    );
  }
  if (nullable) schema.nullable = true;
  return schema;
}

function referenceToSchema(node: Node & TypeNode, ctx: Context): OpenApiSchema {
  if (!Node.isTypeReference(node)) return problem(ctx, node, 'expected a type reference');
  const name = node.getTypeName().getText();
  const args = node.getTypeArguments();
  if ((name === 'Array' || name === 'ReadonlyArray') && args[0]) {
    return { type: 'array', items: typeToSchema(args[0], ctx) };
  }
  if (name === 'Record' && args[0] && args[1]) {
    if (args[0].getKind() !== SyntaxKind.StringKeyword) {
      return problem(ctx, node, 'Record keys must be `string`');
    }
    return mapSchema(typeToSchema(args[1], ctx));
  }
  const declaration = resolveDeclaration(node);
  if (!declaration) return problem(ctx, node, `can't find the declaration of \`${name}\``);
  const declName = declaration.getName();
  if (Node.isTypeAliasDeclaration(declaration) && INTEGER_ALIASES.has(declName)) {
    return { type: 'integer', format: declName };
  }
  if (ctx.stack.includes(declName)) {
    return problem(
      ctx,
      node,
      `recursive type ${[...ctx.stack, declName].join(' → ')} can't be a structural schema`,
    );
  }
  ctx.stack.push(declName);
  try {
    const doc = readDoc(declaration);
    const schema = Node.isInterfaceDeclaration(declaration)
      ? interfaceSchema(declaration, ctx)
      : typeToSchema(declaration.getTypeNodeOrThrow(), ctx);
    applyTags(schema, doc.tags, declaration, undefined, ctx);
    if (doc.description) schema.description = doc.description;
    return schema;
  } finally {
    ctx.stack.pop();
  }
}

function mapSchema(values: OpenApiSchema): OpenApiSchema {
  if (values['x-kubernetes-preserve-unknown-fields'] && !values.type) {
    return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  return { type: 'object', additionalProperties: values };
}

function resolveDeclaration(node: Node & TypeNode): InterfaceDeclaration | TypeAliasDeclaration | undefined {
  if (!Node.isTypeReference(node)) return undefined;
  let symbol = node.getTypeName().getSymbol();
  if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
  for (const declaration of symbol?.getDeclarations() ?? []) {
    if (Node.isInterfaceDeclaration(declaration) || Node.isTypeAliasDeclaration(declaration))
      return declaration;
  }
  return undefined;
}

/** Properties of an interface, its bases' included (its own win). */
export function interfaceProperties(declaration: InterfaceDeclaration): PropertySignature[] {
  const own = declaration.getProperties();
  const names = new Set(own.map((p) => p.getName()));
  const inherited = declaration
    .getBaseDeclarations()
    .filter(Node.isInterfaceDeclaration)
    .flatMap(interfaceProperties)
    .filter((p) => !names.has(p.getName()));
  return [...inherited, ...own];
}

function interfaceSchema(declaration: InterfaceDeclaration, ctx: Context): OpenApiSchema {
  return objectSchema(interfaceProperties(declaration), declaration.getIndexSignatures(), ctx);
}

/** The JSON name of a property: its identifier, or the text of a quoted name. */
export function propertyName(property: PropertySignature): string {
  const nameNode = property.getNameNode();
  return Node.isStringLiteral(nameNode) ? nameNode.getLiteralValue() : property.getName();
}

function objectSchema(
  properties: PropertySignature[],
  indexSignatures: IndexSignatureDeclaration[],
  ctx: Context,
): OpenApiSchema {
  const [index] = indexSignatures;
  if (index) {
    if (properties.length > 0) {
      return problem(ctx, index, 'an object has either named properties or an index signature, not both');
    }
    if (index.getKeyTypeNode().getKind() !== SyntaxKind.StringKeyword) {
      return problem(ctx, index, 'index signature keys must be `string`');
    }
    return mapSchema(typeToSchema(index.getReturnTypeNodeOrThrow(), ctx));
  }
  const fields: Record<string, OpenApiSchema> = {};
  const schema: OpenApiSchema = { type: 'object', properties: fields };
  const required: string[] = [];
  for (const property of properties) {
    const name = propertyName(property);
    const converted = propertySchema(property, ctx);
    if (!converted) continue;
    fields[name] = converted;
    if (!property.hasQuestionToken()) {
      if (converted.default !== undefined) {
        problem(ctx, property, `${name} has a @default, so make it optional (\`${name}?:\`)`);
      }
      required.push(name);
    }
  }
  if (required.length > 0) schema.required = required.sort();
  return schema;
}

/** A property's schema: its type's schema, then the property's own description and tags. */
export function propertySchema(property: PropertySignature, ctx: Context): OpenApiSchema | undefined {
  const name = propertyName(property);
  const typeNode = property.getTypeNode();
  if (!typeNode) {
    problem(ctx, property, `${name} needs a type annotation`);
    return undefined;
  }
  const schema = typeToSchema(typeNode, ctx);
  const doc = readDoc(property);
  applyTags(schema, doc.tags, property, name, ctx);
  if (doc.description) {
    schema.description = `${doc.description}${limitsText(schema)}`;
  } else {
    problem(ctx, property, `${name} needs a JSDoc description (it is what kubectl explain prints)`);
  }
  return schema;
}

/**
 * `kubectl explain` prints a field's description and type, not its default or limits: say them
 * in the description, in one form everywhere.
 */
export function limitsText(schema: OpenApiSchema): string {
  const parts: string[] = [];
  if (schema.default !== undefined) parts.push(`Default: ${JSON.stringify(schema.default)}.`);
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) parts.push(`From ${min} to ${max}.`);
  else if (min !== undefined) parts.push(`At least ${min}.`);
  else if (max !== undefined) parts.push(`At most ${max}.`);
  if (schema.minLength !== undefined && schema.minLength > 0 && schema.maxLength !== undefined) {
    parts.push(`${schema.minLength} to ${schema.maxLength} characters.`);
  } else if (schema.maxLength !== undefined) parts.push(`At most ${schema.maxLength} characters.`);
  if (schema.maxItems !== undefined) {
    parts.push(
      schema.minItems
        ? `${schema.minItems} to ${schema.maxItems} items.`
        : `At most ${schema.maxItems} items.`,
    );
  }
  if (schema.maxProperties !== undefined) parts.push(`At most ${schema.maxProperties} entries.`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function isStringLike(schema: OpenApiSchema): boolean {
  return schema.type === 'string' || schema['x-kubernetes-int-or-string'] === true;
}

function isNumeric(schema: OpenApiSchema): boolean {
  return schema.type === 'integer' || schema.type === 'number';
}

/**
 * Applies field tags to a schema. Scalar tags replace what an alias set (a property's
 * @maxLength 20 narrows DNSLabel's 63); validation rules accumulate.
 */
export function applyTags(
  schema: OpenApiSchema,
  tags: Tag[],
  node: Node,
  fieldName: string | undefined,
  ctx: Context,
  options: { kindTagsAllowed?: boolean } = {},
): void {
  const fail = (tag: Tag, message: string) => {
    ctx.problems.push(`${locate(node, ctx.root)}: @${tag.name}: ${message}`);
  };
  const requireKind = (tag: Tag, ok: boolean, what: string): boolean => {
    if (!ok) fail(tag, `only applies to ${what}, not to ${describeSchema(schema)}`);
    return ok;
  };
  const numberValue = (tag: Tag, integer: boolean): number | undefined => {
    const value = Number(tag.text);
    if (tag.text === '' || Number.isNaN(value) || (integer && !Number.isInteger(value))) {
      fail(tag, `expected ${integer ? 'an integer' : 'a number'}, got "${tag.text}"`);
      return undefined;
    }
    return value;
  };
  const addRule = (rule: ValidationRule) => {
    schema['x-kubernetes-validations'] = [...(schema['x-kubernetes-validations'] ?? []), rule];
  };

  for (const tag of tags) {
    switch (tag.name) {
      case 'default': {
        const parsed = parseYamlValue(tag.text);
        if (parsed.error !== undefined) fail(tag, parsed.error);
        else schema.default = parsed.value;
        break;
      }
      case 'minimum':
      case 'maximum': {
        const value = numberValue(tag, false);
        if (value !== undefined && requireKind(tag, isNumeric(schema), 'integers and numbers')) {
          schema[tag.name] = value;
        }
        break;
      }
      case 'minLength':
      case 'maxLength': {
        const value = numberValue(tag, true);
        if (value !== undefined && requireKind(tag, schema.type === 'string', 'strings'))
          schema[tag.name] = value;
        break;
      }
      case 'pattern':
        if (requireKind(tag, isStringLike(schema), 'strings')) {
          try {
            new RegExp(tag.text, 'u');
            schema.pattern = tag.text;
          } catch (err) {
            fail(tag, `not a valid regular expression: ${(err as Error).message}`);
          }
        }
        break;
      case 'format':
        if (tag.text === '') fail(tag, 'needs a format name, for example date-time');
        else schema.format = tag.text;
        break;
      case 'minItems':
      case 'maxItems': {
        const value = numberValue(tag, true);
        if (value !== undefined && requireKind(tag, schema.type === 'array', 'arrays'))
          schema[tag.name] = value;
        break;
      }
      case 'minProperties':
      case 'maxProperties': {
        const value = numberValue(tag, true);
        if (value !== undefined && requireKind(tag, schema.type === 'object', 'objects and maps')) {
          schema[tag.name] = value;
        }
        break;
      }
      case 'listType':
        if (!['atomic', 'set', 'map'].includes(tag.text)) fail(tag, 'expected atomic, set or map');
        else if (requireKind(tag, schema.type === 'array', 'arrays')) {
          schema['x-kubernetes-list-type'] = tag.text as 'atomic' | 'set' | 'map';
        }
        break;
      case 'listMapKey':
        if (tag.text === '' || /\s/.test(tag.text))
          fail(tag, 'expected one property name (repeat the tag for more)');
        else if (requireKind(tag, schema.type === 'array', 'arrays')) {
          schema['x-kubernetes-list-map-keys'] = [...(schema['x-kubernetes-list-map-keys'] ?? []), tag.text];
        }
        break;
      case 'immutable':
        addRule({ rule: 'self == oldSelf', message: tag.text || `${fieldName ?? 'value'} is immutable` });
        break;
      case 'validation': {
        const rule = parseValidation(tag.text);
        if (typeof rule === 'string') fail(tag, rule);
        else addRule(rule);
        break;
      }
      case 'preserveUnknownFields':
        if (requireKind(tag, schema.type === 'object', 'objects')) {
          schema['x-kubernetes-preserve-unknown-fields'] = true;
        }
        break;
      default:
        if (KIND_TAGS.has(tag.name)) {
          if (!options.kindTagsAllowed) fail(tag, 'only allowed on the root interface of a kind');
        } else if (!DOC_TAGS.has(tag.name)) {
          fail(tag, 'unknown tag (see the vocabulary at the top of hack/gen-crds.ts)');
        }
    }
  }
}

/** Parses `rule=<CEL> message=<text> [messageExpression=..] [reason=..] [fieldPath=..]`. */
export function parseValidation(text: string): ValidationRule | string {
  const { values, error } = parseKeyValues(text, VALIDATION_KEYS);
  if (error !== undefined) return error;
  const rule = values.get('rule');
  if (!rule) return 'needs rule=<CEL expression>';
  const result: ValidationRule = { rule };
  const message = values.get('message');
  const messageExpression = values.get('messageExpression');
  if (message === undefined && messageExpression === undefined) {
    return 'needs message=<text> (or messageExpression=) so users learn what is wrong';
  }
  if (message !== undefined) result.message = message;
  if (messageExpression !== undefined) result.messageExpression = messageExpression;
  const reason = values.get('reason');
  if (reason !== undefined) {
    if (!REASONS.has(reason)) return `reason must be one of ${[...REASONS].join(', ')}`;
    result.reason = reason;
  }
  const fieldPath = values.get('fieldPath');
  if (fieldPath !== undefined) {
    if (!fieldPath.startsWith('.'))
      return 'fieldPath must start with "." (relative to the field the rule is on)';
    result.fieldPath = fieldPath;
  }
  const optionalOldSelf = values.get('optionalOldSelf');
  if (optionalOldSelf !== undefined) {
    if (optionalOldSelf !== 'true' && optionalOldSelf !== 'false')
      return 'optionalOldSelf must be true or false';
    result.optionalOldSelf = optionalOldSelf === 'true';
  }
  return result;
}

function describeSchema(schema: OpenApiSchema): string {
  if (schema['x-kubernetes-int-or-string']) return 'int-or-string';
  return schema.type ?? 'an untyped value';
}

export function problem(ctx: Context, node: Node, message: string): OpenApiSchema {
  ctx.problems.push(`${locate(node, ctx.root)}: ${message}`);
  return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}
