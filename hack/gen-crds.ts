// Generates crds/ from the TypeScript API types in operator/api/v1alpha1 (ts-morph).
//
//   node hack/gen-crds.ts           write crds/ (npm run gen)
//   node hack/gen-crds.ts --check   exit 1 if crds/ is not what the types generate
//
// What makes a kind: an exported `<Kind>Resource = { group, version, kind, plural,
// namespaced } as const` and an interface `<Kind>` in the same file with apiVersion and
// kind as literal types, metadata, spec and (usually) status. CRD names and scope come
// from the constant.
//
// Types:
//   string, boolean, number        → string, boolean, number
//   int32, int64 (common.ts)       → integer with that format (JSON can't tell 1 from 1.0)
//   'A' | 'B'                      → enum
//   int32 | string                 → x-kubernetes-int-or-string (e.g. Quantity)
//   X | null                       → nullable
//   X[], Array<X>                  → array
//   Record<string, X>, {[k: string]: X} → map (additionalProperties)
//   unknown, Record<string, unknown>    → x-kubernetes-preserve-unknown-fields
//   interfaces, type literals      → objects; `prop?:` is optional, otherwise required
//   type aliases                   → their type plus their tags (Time, DNSLabel, ...)
// Every property needs a JSDoc description: it is what `kubectl explain` prints.
//
// Field tags (on a property, or on an alias or interface to apply wherever it is used;
// a property's tags override its type's, @validation rules add up):
//   @default <YAML>                default value; the property must be optional
//   @minimum / @maximum <n>        numbers
//   @minLength / @maxLength <n>    strings
//   @pattern <regexp>              strings (RE2 and JS compatible; no `*` then `/`)
//   @format <name>                 date-time, uri, ... (Time carries date-time)
//   @minItems / @maxItems <n>      lists
//   @minProperties / @maxProperties <n>  maps
//   @listType atomic|set|map       x-kubernetes-list-type
//   @listMapKey <prop>             key of a map list; repeat for compound keys
//   @immutable [message]           CEL `self == oldSelf` with the message
//   @validation rule=<CEL> message=<text> [messageExpression=<CEL>] [reason=<Reason>]
//               [fieldPath=<.path>] [optionalOldSelf=true]    repeatable
//   @preserveUnknownFields         keep fields the schema does not list
// Kind tags (on the root interface only):
//   @shortName <name>, @category <name>   repeatable
//   @printColumn name=<Name> type=<string|integer|number|boolean|date> jsonPath=<.path>
//                [priority=<n>] [format=<f>] [description=<text>]   repeatable, in order
//   @subresource status
//   @validation ...                       rules on the whole object (metadata.name is readable)
// Documentation-only tags (@example, @remarks, @see, @deprecated) are ignored; any other
// tag is an error, so typos don't silently drop a constraint.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Project } from 'ts-morph';
import { buildCrd, findKinds } from './crdgen/crd.ts';
import { renderCrd, renderYaml } from './crdgen/render.ts';
import type { Context } from './crdgen/schema.ts';
import { checkStructural } from './crdgen/structural.ts';

export interface GeneratedFile {
  /** Path relative to the repository root, for example `crds/tenantry.dev_tenants.yaml`. */
  path: string;
  content: string;
}

export interface GenerateOptions {
  /** Repository root; defaults to the one this script lives in. */
  root?: string;
  /** A project holding the API sources (tests pass an in-memory one). */
  project?: Project;
  /** Directory of the API sources, relative to root. */
  apiDir?: string;
  /** Output directory, relative to root. */
  outDir?: string;
}

/** What went wrong in the API types, one line per problem. */
export class GenerationError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`CRD generation failed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'GenerationError';
    this.problems = problems;
  }
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_API_DIR = 'operator/api/v1alpha1';
const DEFAULT_OUT_DIR = 'crds';

/** Generates the CRD files (and a kustomization listing them). Throws GenerationError. */
export function generateCrds(options: GenerateOptions = {}): GeneratedFile[] {
  const root = options.root ?? REPO_ROOT;
  const apiDir = join(root, options.apiDir ?? DEFAULT_API_DIR);
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const project = options.project ?? loadProject(root, apiDir);
  const sources = project
    .getSourceFiles()
    .filter((f) => dirname(f.getFilePath()) === apiDir && !f.getFilePath().endsWith('.test.ts'))
    .sort((a, b) => a.getFilePath().localeCompare(b.getFilePath()));

  const ctx: Context = { root, problems: [], stack: [] };
  const kinds = findKinds(sources, ctx);
  if (kinds.length === 0 && ctx.problems.length === 0) {
    ctx.problems.push(
      `${relative(root, apiDir) || apiDir}: no kinds found (no exported <Kind>Resource constants)`,
    );
  }
  const files: GeneratedFile[] = [];
  const seen = new Map<string, string>();
  for (const kind of kinds) {
    const crd = buildCrd(kind, ctx);
    const source = relative(root, kind.declaration.getSourceFile().getFilePath());
    const earlier = seen.get(crd.metadata.name);
    if (earlier) ctx.problems.push(`${source}: ${crd.metadata.name} is also defined in ${earlier}`);
    seen.set(crd.metadata.name, source);
    for (const version of crd.spec.versions) {
      ctx.problems.push(
        ...checkStructural(`${crd.metadata.name} ${version.name}`, version.schema.openAPIV3Schema),
      );
    }
    files.push({
      path: join(outDir, `${crd.spec.group}_${crd.spec.names.plural}.yaml`),
      content: renderCrd(crd, source),
    });
  }
  if (ctx.problems.length > 0) throw new GenerationError(ctx.problems);

  files.sort((a, b) => a.path.localeCompare(b.path));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files.map((f) => relative(outDir, f.path)),
  };
  files.push({
    path: join(outDir, 'kustomization.yaml'),
    content: `# Code generated by hack/gen-crds.ts. DO NOT EDIT.\n${renderYaml(kustomization)}`,
  });
  return files;
}

function loadProject(root: string, apiDir: string): Project {
  const project = new Project({
    tsConfigFilePath: join(root, 'tsconfig.json'),
    skipAddingFilesFromTsConfig: true,
  });
  project.addSourceFilesAtPaths([join(apiDir, '*.ts'), `!${join(apiDir, '*.test.ts')}`]);
  return project;
}

/** Compares generated files with what is on disk; returns one line per difference. */
export function diffGenerated(
  files: GeneratedFile[],
  options: { root?: string; outDir?: string } = {},
): string[] {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const differences: string[] = [];
  const expected = new Set(files.map((f) => f.path));
  for (const file of files) {
    const onDisk = join(root, file.path);
    if (!existsSync(onDisk)) differences.push(`${file.path}: missing`);
    else if (readFileSync(onDisk, 'utf8') !== file.content)
      differences.push(`${file.path}: differs from the types`);
  }
  for (const name of existingOutputs(join(root, outDir))) {
    const path = join(outDir, name);
    if (!expected.has(path)) differences.push(`${path}: not generated by hack/gen-crds.ts (stale?)`);
  }
  return differences;
}

function existingOutputs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();
}

/** Writes the files and removes YAML files in outDir that are no longer generated. */
export function writeGenerated(
  files: GeneratedFile[],
  options: { root?: string; outDir?: string } = {},
): void {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  mkdirSync(join(root, outDir), { recursive: true });
  const expected = new Set(files.map((f) => f.path));
  for (const name of existingOutputs(join(root, outDir))) {
    if (!expected.has(join(outDir, name))) rmSync(join(root, outDir, name));
  }
  for (const file of files) {
    const path = join(root, file.path);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== file.content) writeFileSync(path, file.content);
  }
}

export function main(argv: string[]): number {
  const check = argv.includes('--check');
  let files: GeneratedFile[];
  try {
    files = generateCrds();
  } catch (err) {
    if (!(err instanceof GenerationError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  if (check) {
    const differences = diffGenerated(files);
    if (differences.length === 0) return 0;
    process.stderr.write(
      `crds/ is out of date with operator/api:\n${differences.map((d) => `  ${d}`).join('\n')}\nRun \`npm run gen\` and commit the result.\n`,
    );
    return 1;
  }
  writeGenerated(files);
  process.stdout.write(`wrote ${files.length} files to ${DEFAULT_OUT_DIR}/\n`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
