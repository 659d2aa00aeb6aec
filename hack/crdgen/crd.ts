// Finds the kinds in the API sources and assembles one CustomResourceDefinition per kind.
// A kind is an exported `<Kind>Resource` constant ({ group, version, kind, plural,
// namespaced }) plus the interface `<Kind>` in the same file; the constant is what
// clients use, so the CRD's names and scope are taken from it rather than repeated in tags.

import type { InterfaceDeclaration, SourceFile, VariableDeclaration } from 'ts-morph';
import type { CustomResourceDefinition, PrinterColumn } from '../../operator/api/crds.ts';
import type { OpenApiSchema } from '../../operator/api/openapi-schema.ts';
import { applyTags, type Context, interfaceProperties, propertyName, propertySchema } from './schema.ts';
import { locate, parseKeyValues, readDoc, type Tag } from './tags.ts';

export interface KindSource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  declaration: InterfaceDeclaration;
  constant: VariableDeclaration;
}

const DESCRIPTOR_KEYS = ['group', 'version', 'kind', 'plural', 'namespaced'] as const;

/** Finds every `<Kind>Resource` constant and the interface it describes. */
export function findKinds(files: SourceFile[], ctx: Context): KindSource[] {
  const kinds: KindSource[] = [];
  for (const file of files) {
    for (const constant of file.getVariableDeclarations()) {
      if (!constant.isExported() || !constant.getName().endsWith('Resource')) continue;
      const type = constant.getType();
      if (!DESCRIPTOR_KEYS.every((key) => type.getProperty(key))) continue;
      const values = new Map<string, string | boolean>();
      for (const key of DESCRIPTOR_KEYS) {
        const propertyType = type.getPropertyOrThrow(key).getTypeAtLocation(constant);
        if (propertyType.isStringLiteral()) values.set(key, String(propertyType.getLiteralValue()));
        else if (propertyType.isBooleanLiteral()) values.set(key, propertyType.getText() === 'true');
      }
      if (values.size !== DESCRIPTOR_KEYS.length) {
        ctx.problems.push(
          `${locate(constant, ctx.root)}: ${constant.getName()} must be \`{ group, version, kind, plural, namespaced } as const\` with literal values`,
        );
        continue;
      }
      const kind = String(values.get('kind'));
      if (constant.getName() !== `${kind}Resource`) {
        ctx.problems.push(
          `${locate(constant, ctx.root)}: the constant for kind ${kind} must be named ${kind}Resource`,
        );
        continue;
      }
      const declaration = file.getInterface(kind);
      if (!declaration) {
        ctx.problems.push(
          `${locate(constant, ctx.root)}: ${constant.getName()} needs an interface ${kind} in this file`,
        );
        continue;
      }
      kinds.push({
        group: String(values.get('group')),
        version: String(values.get('version')),
        kind,
        plural: String(values.get('plural')),
        namespaced: values.get('namespaced') === true,
        declaration,
        constant,
      });
    }
  }
  return kinds.sort((a, b) => a.plural.localeCompare(b.plural));
}

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

const COLUMN_KEYS = ['name', 'type', 'jsonPath', 'format', 'priority', 'description'];
const COLUMN_TYPES = new Set(['integer', 'number', 'string', 'boolean', 'date']);

/** Builds the CRD of one kind. Problems are added to ctx; the result is then not to be used. */
export function buildCrd(source: KindSource, ctx: Context): CustomResourceDefinition {
  const { declaration } = source;
  const where = locate(declaration, ctx.root);
  const doc = readDoc(declaration);
  const tagged = (name: string): Tag[] => doc.tags.filter((t) => t.name === name);

  const root: OpenApiSchema = { type: 'object', properties: {} };
  if (doc.description) root.description = doc.description;
  else ctx.problems.push(`${where}: ${source.kind} needs a JSDoc description`);
  const properties: Record<string, OpenApiSchema> = {};
  const required: string[] = [];
  for (const property of interfaceProperties(declaration)) {
    const name = propertyName(property);
    const expectLiteral = (expected: string) => {
      const text = property.getTypeNode()?.getText() ?? '';
      if (text !== `'${expected}'` && text !== `"${expected}"`) {
        ctx.problems.push(`${locate(property, ctx.root)}: ${name} must be the literal type '${expected}'`);
      }
    };
    if (name === 'apiVersion') {
      expectLiteral(`${source.group}/${source.version}`);
      properties[name] = { description: API_VERSION_DESCRIPTION, type: 'string' };
    } else if (name === 'kind') {
      expectLiteral(source.kind);
      properties[name] = { description: KIND_DESCRIPTION, type: 'string' };
    } else if (name === 'metadata') {
      // The API server owns metadata's schema; a CRD may not describe it.
      properties[name] = { type: 'object' };
    } else {
      const schema = propertySchema(property, ctx);
      if (!schema) continue;
      properties[name] = schema;
      if (!property.hasQuestionToken()) required.push(name);
    }
  }
  for (const name of ['apiVersion', 'kind', 'metadata']) {
    if (!properties[name]) ctx.problems.push(`${where}: ${source.kind} needs a ${name} property`);
  }
  root.properties = properties;
  if (required.length > 0) root.required = required.sort();
  // Kind-level tags are handled below; applyTags takes the root's @validation rules.
  applyTags(root, doc.tags, declaration, undefined, ctx, { kindTagsAllowed: true });
  if (root.default !== undefined) ctx.problems.push(`${where}: @default makes no sense on a kind`);

  const subresources = tagged('subresource').map((t) => t.text);
  for (const s of subresources) {
    if (s !== 'status') ctx.problems.push(`${where}: @subresource ${s}: only status is supported`);
  }
  const hasStatus = subresources.includes('status');
  if (hasStatus !== Boolean(properties.status)) {
    ctx.problems.push(
      hasStatus
        ? `${where}: @subresource status needs a status property`
        : `${where}: ${source.kind} has a status property but no @subresource status, so clients could write status through the main resource`,
    );
  }

  const columns = tagged('printColumn').map((tag) => printerColumn(tag, root, `${where}: @printColumn`, ctx));
  const shortNames = words(tagged('shortName'));
  const categories = words(tagged('category'));

  const version: CustomResourceDefinition['spec']['versions'][number] = {
    name: source.version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: root },
  };
  const definedColumns = columns.filter((c): c is PrinterColumn => c !== undefined);
  if (definedColumns.length > 0) version.additionalPrinterColumns = definedColumns;
  if (hasStatus) version.subresources = { status: {} };

  // Alphabetical, as kubectl and controller-gen print them.
  const names: CustomResourceDefinition['spec']['names'] = {
    ...(categories.length > 0 ? { categories } : {}),
    kind: source.kind,
    listKind: `${source.kind}List`,
    plural: source.plural,
    ...(shortNames.length > 0 ? { shortNames } : {}),
    singular: source.kind.toLowerCase(),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${source.plural}.${source.group}` },
    spec: {
      group: source.group,
      names,
      scope: source.namespaced ? 'Namespaced' : 'Cluster',
      versions: [version],
    },
  };
}

function words(tags: Tag[]): string[] {
  return tags.flatMap((t) => t.text.split(/[\s,]+/)).filter((w) => w !== '');
}

function printerColumn(
  tag: Tag,
  root: OpenApiSchema,
  where: string,
  ctx: Context,
): PrinterColumn | undefined {
  const { values, error } = parseKeyValues(tag.text, COLUMN_KEYS);
  const fail = (message: string) => {
    ctx.problems.push(`${where} ${tag.text}: ${message}`);
    return undefined;
  };
  if (error !== undefined) return fail(error);
  const name = values.get('name');
  const type = values.get('type');
  const jsonPath = values.get('jsonPath');
  if (!name || !type || !jsonPath) return fail('needs name=, type= and jsonPath=');
  if (!COLUMN_TYPES.has(type)) return fail(`type must be one of ${[...COLUMN_TYPES].join(', ')}`);
  if (!jsonPath.startsWith('.')) return fail('jsonPath must start with "."');
  // Plain dotted paths can be checked against the schema; filters are left to the server.
  if (/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(jsonPath) && !jsonPath.startsWith('.metadata.')) {
    let node: OpenApiSchema | undefined = root;
    for (const segment of jsonPath.slice(1).split('.')) node = node?.properties?.[segment];
    if (!node) return fail(`jsonPath ${jsonPath} names no field of the schema`);
  }
  const column: PrinterColumn = { name, type, jsonPath };
  const format = values.get('format');
  if (format !== undefined) column.format = format;
  const priority = values.get('priority');
  if (priority !== undefined) {
    const n = Number(priority);
    if (!Number.isInteger(n) || n < 0) return fail('priority must be a non-negative integer');
    column.priority = n;
  }
  const description = values.get('description');
  if (description !== undefined) column.description = description;
  return column;
}
