import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from 'ts-morph';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { CustomResourceDefinition } from '../operator/api/crds.ts';
import type { OpenApiSchema } from '../operator/api/openapi-schema.ts';
import {
  diffGenerated,
  type GeneratedFile,
  GenerationError,
  generateCrds,
  writeGenerated,
} from './gen-crds.ts';

describe('committed crds/', () => {
  it('is exactly what the API types generate (run `npm run gen` if this fails)', () => {
    expect(diffGenerated(generateCrds())).toEqual([]);
  });
});

// A fixture kind with the shared aliases it needs, compiled in memory.
const PRELUDE = `
export type int32 = number;
export type int64 = number;
/** @format date-time */
export type Time = string;
/**
 * A DNS label.
 * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
 * @maxLength 63
 */
export type DNSLabel = string;
`;

function kindSource(
  body: string,
  options: { kind?: string; namespaced?: boolean; rootDoc?: string } = {},
): string {
  const kind = options.kind ?? 'Widget';
  const rootDoc = options.rootDoc ?? '@subresource status';
  return `${PRELUDE}
export const ${kind}Resource = {
  group: 'example.dev', version: 'v1', kind: '${kind}', plural: '${kind.toLowerCase()}s',
  namespaced: ${options.namespaced ?? false},
} as const;
${body}
/** Status of a ${kind}. */
export interface ${kind}Status {
  /** Generation seen. */
  observedGeneration?: int64;
}
/**
 * A ${kind} for tests.
 * ${rootDoc.split('\n').join('\n * ')}
 */
export interface ${kind} {
  apiVersion: 'example.dev/v1';
  kind: '${kind}';
  metadata: { name?: string };
  /** Desired state. */
  spec: ${kind}Spec;
  /** Observed state. */
  status?: ${kind}Status;
}
`;
}

function generate(files: Record<string, string>): GeneratedFile[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { allowImportingTsExtensions: true, strict: true },
  });
  for (const [name, text] of Object.entries(files)) project.createSourceFile(`/repo/api/${name}`, text);
  return generateCrds({ project, root: '/repo', apiDir: 'api', outDir: 'crds' });
}

function crdOf(spec: string, options?: Parameters<typeof kindSource>[1]): CustomResourceDefinition {
  const files = generate({ 'widget.ts': kindSource(spec, options) });
  const crd = files.find((f) => f.path.endsWith('s.yaml') && !f.path.endsWith('kustomization.yaml'));
  if (!crd) throw new Error(`no CRD among ${files.map((f) => f.path).join(', ')}`);
  return YAML.parse(crd.content) as CustomResourceDefinition;
}

function specOf(spec: string): OpenApiSchema {
  const schema = crdOf(spec).spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  if (!schema) throw new Error('no spec schema');
  return schema;
}

function problemsOf(spec: string, options?: Parameters<typeof kindSource>[1]): string[] {
  try {
    generate({ 'widget.ts': kindSource(spec, options) });
  } catch (err) {
    if (err instanceof GenerationError) return err.problems;
    throw err;
  }
  return [];
}

describe('type translation', () => {
  it('maps scalars, enums, lists, maps and optionality', () => {
    const spec = specOf(`
/** Spec. */
export interface WidgetSpec {
  /** A name. */
  name: string;
  /** A ratio. */
  ratio?: number;
  /** A count. */
  count: int32;
  /** A big count. */
  total?: int64;
  /** A flag. */
  enabled?: boolean;
  /** A mode. */
  mode: 'Fast' | 'Slow';
  /** Tags. */
  tags?: string[];
  /** Labels. */
  labels?: Record<string, string>;
  /** Limits. */
  limits?: { [resource: string]: int32 };
  /** When. */
  at?: Time;
  /** Anything. */
  extra?: Record<string, unknown>;
}`);
    expect(spec.required).toEqual(['count', 'mode', 'name']);
    const p = spec.properties ?? {};
    expect(p.name).toEqual({ description: 'A name.', type: 'string' });
    expect(p.ratio?.type).toBe('number');
    expect(p.count).toMatchObject({ type: 'integer', format: 'int32' });
    expect(p.total).toMatchObject({ type: 'integer', format: 'int64' });
    expect(p.enabled?.type).toBe('boolean');
    expect(p.mode).toMatchObject({ type: 'string', enum: ['Fast', 'Slow'] });
    expect(p.tags).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(p.labels).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(p.limits).toMatchObject({ type: 'object', additionalProperties: { type: 'integer' } });
    expect(p.at).toMatchObject({ type: 'string', format: 'date-time' });
    expect(p.extra).toEqual({
      description: 'Anything.',
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('maps int | string to int-or-string and X | null to nullable', () => {
    const p =
      specOf(`
/** Spec. */
export interface WidgetSpec {
  /** Port. */
  port: int32 | string;
  /** Note. */
  note?: string | null;
}`).properties ?? {};
    expect(p.port).toMatchObject({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
    expect(p.port?.type).toBeUndefined();
    expect(p.note).toMatchObject({ type: 'string', nullable: true });
  });

  it('inlines interfaces, aliases and bases, with enum unions of aliases merged', () => {
    const p =
      specOf(`
type Small = 'S' | 'XS';
type Big = 'L' | 'XL';
/** Base. */
interface Base {
  /** From the base. */
  inherited: string;
}
/** Child object. */
interface Child extends Base {
  /** Own. */
  own?: boolean;
}
/** Spec. */
export interface WidgetSpec {
  /** Size. */
  size: Small | Big;
  /** Child. */
  child: Child;
}`).properties ?? {};
    expect(p.size?.enum).toEqual(['S', 'XS', 'L', 'XL']);
    expect(p.child).toMatchObject({
      description: 'Child.',
      type: 'object',
      required: ['inherited'],
      properties: { inherited: { type: 'string' }, own: { type: 'boolean' } },
    });
  });

  it('joins wrapped description lines and keeps paragraphs', () => {
    const p =
      specOf(`
/** Spec. */
export interface WidgetSpec {
  /**
   * First line
   * continues here.
   *
   * Second paragraph.
   */
  name: string;
}`).properties ?? {};
    expect(p.name?.description).toBe('First line continues here.\n\nSecond paragraph.');
  });
});

describe('field tags', () => {
  it('translates constraints and defaults', () => {
    const p =
      specOf(`
/** Spec. */
export interface WidgetSpec {
  /**
   * Days.
   * @default 30
   * @minimum 1
   * @maximum 3650
   */
  days?: int32;
  /**
   * Name.
   * @minLength 1
   * @maxLength 12
   * @pattern ^[a-z]+$
   */
  name: string;
  /**
   * Items.
   * @minItems 1
   * @maxItems 5
   * @listType set
   */
  items: string[];
  /**
   * Entries.
   * @listType map
   * @listMapKey name
   * @maxItems 10
   * @default [{name: main}]
   */
  entries?: {
    /** Key. */
    name: string;
    /** Value. */
    value?: string;
  }[];
  /**
   * Extra.
   * @preserveUnknownFields
   */
  extra?: {
    /** Known. */
    known?: string;
  };
  /**
   * Endpoint.
   * @format uri
   */
  endpoint?: string;
}`).properties ?? {};
    expect(p.days).toMatchObject({ default: 30, minimum: 1, maximum: 3650 });
    expect(p.name).toMatchObject({ minLength: 1, maxLength: 12, pattern: '^[a-z]+$' });
    expect(p.items).toMatchObject({ minItems: 1, maxItems: 5, 'x-kubernetes-list-type': 'set' });
    expect(p.entries).toMatchObject({
      default: [{ name: 'main' }],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(p.extra).toMatchObject({
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { known: {} },
    });
    expect(p.endpoint?.format).toBe('uri');
  });

  it('lets a property override its alias tags and adds up validation rules', () => {
    const p =
      specOf(`
/**
 * A short label.
 * @validation rule=self != 'admin' message=admin is reserved
 */
type Short = DNSLabel;
/** Spec. */
export interface WidgetSpec {
  /**
   * Label.
   * @maxLength 20
   * @immutable
   */
  label: Short;
  /** Other. */
  other: DNSLabel;
}`).properties ?? {};
    expect(p.label).toMatchObject({ maxLength: 20, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
    expect(p.label?.['x-kubernetes-validations']).toEqual([
      { rule: "self != 'admin'", message: 'admin is reserved' },
      { rule: 'self == oldSelf', message: 'label is immutable' },
    ]);
    expect(p.other?.maxLength).toBe(63);
  });

  it('parses @validation keys, with spaces in rule and message, over several lines', () => {
    const spec = specOf(`
/**
 * Spec.
 * @validation rule=self.min <= self.max message=min must not exceed max
 *   fieldPath=.min reason=FieldValueInvalid
 * @immutable spec is frozen: create a new widget
 */
export interface WidgetSpec {
  /** Min. */
  min: int32;
  /** Max. */
  max: int32;
}`);
    expect(spec['x-kubernetes-validations']).toEqual([
      {
        rule: 'self.min <= self.max',
        message: 'min must not exceed max',
        reason: 'FieldValueInvalid',
        fieldPath: '.min',
      },
      { rule: 'self == oldSelf', message: 'spec is frozen: create a new widget' },
    ]);
  });
});

describe('kind tags and CRD shape', () => {
  const spec = `
/** Spec. */
export interface WidgetSpec {
  /** Size. */
  size: int32;
}`;

  it('takes names and scope from the constant and the rest from the root tags', () => {
    const crd = crdOf(spec, {
      namespaced: true,
      rootDoc: [
        '@shortName wd',
        '@shortName wdg',
        '@category example',
        '@subresource status',
        '@printColumn name=Size type=integer jsonPath=.spec.size',
        '@printColumn name=Ready type=string jsonPath=.status.conditions[?(@.type=="Ready")].status priority=1 description=Whether it is ready',
        '@validation rule=self.metadata.name.size() <= 10 message=name too long',
      ].join('\n'),
    });
    expect(crd.metadata.name).toBe('widgets.example.dev');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({
      categories: ['example'],
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      shortNames: ['wd', 'wdg'],
      singular: 'widget',
    });
    const [version] = crd.spec.versions;
    expect(version).toMatchObject({ name: 'v1', served: true, storage: true, subresources: { status: {} } });
    expect(version?.additionalPrinterColumns).toEqual([
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      {
        name: 'Ready',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].status',
        priority: 1,
        description: 'Whether it is ready',
      },
    ]);
    const root = version?.schema.openAPIV3Schema;
    expect(root?.description).toBe('A Widget for tests.');
    expect(root?.properties?.metadata).toEqual({ type: 'object' });
    expect(root?.required).toEqual(['spec']);
    expect(root?.['x-kubernetes-validations']).toEqual([
      { rule: 'self.metadata.name.size() <= 10', message: 'name too long' },
    ]);
  });

  it('renders deterministically, with a header and sorted properties', () => {
    const first = generate({ 'widget.ts': kindSource(spec) });
    const second = generate({ 'widget.ts': kindSource(spec) });
    expect(second).toEqual(first);
    const crd = first.find((f) => f.path === 'crds/example.dev_widgets.yaml');
    expect(crd?.content).toMatch(
      /^# Code generated by hack\/gen-crds\.ts from api\/widget\.ts\. DO NOT EDIT\.\n/,
    );
    expect(first.map((f) => f.path)).toEqual(['crds/example.dev_widgets.yaml', 'crds/kustomization.yaml']);
    const parsed = YAML.parse(crd?.content ?? '') as CustomResourceDefinition;
    const keys = Object.keys(parsed.spec.versions[0]?.schema.openAPIV3Schema.properties ?? {});
    expect(keys).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });

  it('generates one CRD per kind across files', () => {
    const files = generate({
      'a.ts': kindSource('/** Spec. */\nexport interface AlphaSpec {\n/** X. */\nx: string;\n}', {
        kind: 'Alpha',
      }),
      'b.ts': kindSource('/** Spec. */\nexport interface BetaSpec {\n/** Y. */\ny: string;\n}', {
        kind: 'Beta',
      }),
    });
    expect(files.map((f) => f.path)).toEqual([
      'crds/example.dev_alphas.yaml',
      'crds/example.dev_betas.yaml',
      'crds/kustomization.yaml',
    ]);
    expect(YAML.parse(files[2]?.content ?? '')).toMatchObject({
      resources: ['example.dev_alphas.yaml', 'example.dev_betas.yaml'],
    });
  });
});

describe('mistakes in the types are refused', () => {
  // Spec interfaces here put one member per line: TypeScript attaches no JSDoc to a
  // member that shares its line with the interface's opening brace.
  const spec = (...members: string[]) =>
    `/** Spec. */\nexport interface WidgetSpec {\n${members.join('\n')}\n}`;
  const cases: [string, string, RegExp, string?][] = [
    ['a missing description', spec('name: string;'), /name needs a JSDoc description/],
    ['an unknown tag', spec('/** N. @maxlength 3 */', 'name: string;'), /@maxlength: unknown tag/],
    [
      'a default on a required field',
      spec('/** N. @default 3 */', 'n: int32;'),
      /n has a @default, so make it optional/,
    ],
    [
      'a string bound on a number',
      spec('/** N. @maxLength 3 */', 'n: int32;'),
      /@maxLength: only applies to strings, not to integer/,
    ],
    [
      'a kind tag on a field',
      spec('/** N. @shortName n */', 'n: int32;'),
      /@shortName: only allowed on the root interface/,
    ],
    [
      'a recursive type',
      `/** Node. */\ninterface Tree {\n/** Kids. */\nkids?: Tree[];\n}\n${spec('/** T. */', 't: Tree;')}`,
      /recursive type WidgetSpec → Tree → Tree/,
    ],
    ['a mixed union', spec('/** N. */', 'n: string | boolean;'), /has no structural schema/],
    [
      'a default that breaks its own schema',
      spec('/** N. @default 0 @minimum 1 */', 'n?: int32;'),
      /spec\.n: default 0 does not match the schema/,
    ],
    [
      'a list-map key that is neither required nor defaulted',
      `/** Entry. */\ninterface Entry {\n/** K. */\nk?: string;\n}\n${spec('/** L. @listType map @listMapKey k */', 'l?: Entry[];')}`,
      /list-map key k must be required or have a default/,
    ],
    [
      'a rule naming a field that does not exist',
      spec('/** N. @maxLength 5 */', 'name: string;').replace(
        '/** Spec. */',
        '/** Spec. @validation rule=self.nmae != "" message=m */',
      ),
      /refers to nmae, which does not exist/,
    ],
    [
      'a rule reading an unbounded string',
      spec('/** N. */', 'name: string;').replace(
        '/** Spec. */',
        '/** Spec. @validation rule=self.name != "x" message=m */',
      ),
      /reads name, a string without @maxLength/,
    ],
    [
      'a rule under a list without maxItems',
      `/** Entry. */\ninterface Entry {\n/** N. @maxLength 5 @validation rule=self != "x" message=m */\nn: string;\n}\n${spec('/** L. */', 'l: Entry[];')}`,
      /runs once per list entry, so the list needs @maxItems/,
    ],
    [
      'a rule without a message',
      spec('/** N. */', 'n: int32;').replace('/** Spec. */', '/** Spec. @validation rule=self.n > 0 */'),
      /needs message=/,
    ],
    [
      'a printer column for a missing field',
      spec('/** N. */', 'n: int32;'),
      /jsonPath \.spec\.m names no field/,
      '@subresource status\n@printColumn name=M type=integer jsonPath=.spec.m',
    ],
    [
      'an unknown format',
      spec('/** N. @format datetime-ish */', 'n: string;'),
      /unknown format datetime-ish/,
    ],
  ];
  it.each(cases)('%s', (_, spec, expected, rootDoc = '@subresource status') => {
    const problems = problemsOf(spec, { rootDoc });
    expect(problems.join('\n')).toMatch(expected);
    // Each problem says where it is.
    for (const problem of problems)
      expect(problem).toMatch(/^(api\/widget\.ts:\d+|widgets\.example\.dev v1): /);
  });

  it('refuses a status without the status subresource', () => {
    const problems = problemsOf('/** Spec. */\nexport interface WidgetSpec {\n/** N. */\nn: int32;\n}', {
      rootDoc: '',
    });
    expect(problems.join('\n')).toMatch(/has a status property but no @subresource status/);
  });

  it('refuses a constant whose name does not match its kind', () => {
    const source = kindSource('/** Spec. */\nexport interface WidgetSpec {\n/** N. */\nn: int32;\n}').replace(
      'export const WidgetResource',
      'export const GadgetResource',
    );
    expect(() => generate({ 'widget.ts': source })).toThrow(/must be named WidgetResource/);
  });
});

describe('diffGenerated and writeGenerated', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names missing, changed and extra files', () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-crds-'));
    const files: GeneratedFile[] = [
      { path: 'crds/a.yaml', content: 'a: 1\n' },
      { path: 'crds/b.yaml', content: 'b: 1\n' },
      { path: 'crds/c.yaml', content: 'c: 1\n' },
    ];
    expect(diffGenerated(files, { root: dir })).toEqual([
      'crds/a.yaml: missing',
      'crds/b.yaml: missing',
      'crds/c.yaml: missing',
    ]);
    writeFileSync(join(dir, 'stale.txt'), '');
    writeGenerated(files, { root: dir });
    expect(diffGenerated(files, { root: dir })).toEqual([]);

    writeFileSync(join(dir, 'crds/b.yaml'), 'b: 2\n');
    rmSync(join(dir, 'crds/c.yaml'));
    writeFileSync(join(dir, 'crds/old.yaml'), 'old: 1\n');
    expect(diffGenerated(files, { root: dir })).toEqual([
      'crds/b.yaml: differs from the types',
      'crds/c.yaml: missing',
      'crds/old.yaml: not generated by hack/gen-crds.ts (stale?)',
    ]);

    writeGenerated(files, { root: dir });
    expect(diffGenerated(files, { root: dir })).toEqual([]);
    expect(readFileSync(join(dir, 'crds/b.yaml'), 'utf8')).toBe('b: 1\n');
  });
});
