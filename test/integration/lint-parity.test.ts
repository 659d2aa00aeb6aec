// Lint = admission: every manifest of test/corpus goes through `lintManifests` and, as a
// server-side dry-run create, through the real API server; both must give the same verdict.
// bad/ must be refused by both, good/ accepted by both; upcoming/ holds cases for rules that
// are being added to the CRDs, where only agreement is asserted (so the corpus can lead).
// Where lint repeats the API server's own words (CEL rule messages, metadata checks), the
// server must have said them at the same field.

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readCrds } from '../../operator/api/crds.ts';
import type { OpenApiSchema } from '../../operator/api/openapi-schema.ts';
import { type LintProblem, lintManifests } from '../../operator/lint/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin, type ResourceType, resourcePath } from '../../operator/runtime/kube/resource.ts';
import { adminClient, uniqueName } from '../support/cluster.ts';

type Folder = 'bad' | 'good' | 'upcoming';

interface Case {
  folder: Folder;
  file: string;
  /** The file's first comment: what is wrong (or right) with the manifest. */
  what: string;
  text: string;
  object: Record<string, unknown>;
}

interface Outcome {
  lint: LintProblem[];
  /** The API server's status code and message; undefined when it accepted the object. */
  server?: { code: number; message: string };
  /** Lint problems in the server's words that the server did not say at that field. */
  unsaid: string[];
}

const CORPUS = new URL('../corpus/', import.meta.url);

function loadCorpus(folder: Folder): Case[] {
  const dir = new URL(`${folder}/`, CORPUS);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      // YAML 1.1, as kubectl reads it (and as the linter does).
      const object = parseDocument(text, { version: '1.1' }).toJS() as Record<string, unknown>;
      return { folder, file: `${folder}/${file}`, what: /^# (.*)$/m.exec(text)?.[1] ?? '', text, object };
    });
}

const cases = (['bad', 'good', 'upcoming'] as const).flatMap(loadCorpus);
const crds = readCrds();

/** Each CRD kind's REST resource. */
const resources = new Map<string, ResourceType>(
  crds.map((crd) => [
    crd.spec.names.kind,
    {
      group: crd.spec.group,
      version: crd.spec.versions.find((v) => v.storage)?.name ?? '',
      kind: crd.spec.names.kind,
      plural: crd.spec.names.plural,
      namespaced: crd.spec.scope === 'Namespaced',
    },
  ]),
);

function ruleMessages(schema: OpenApiSchema): string[] {
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
  ];
  return [
    ...(schema['x-kubernetes-validations'] ?? []).flatMap((r) => (r.message ? [r.message.trim()] : [])),
    ...children.flatMap(ruleMessages),
  ];
}

/** The messages of every CEL rule of the CRDs: lint reports those verbatim. */
const RULE_MESSAGES = new Set(
  crds.flatMap((crd) => crd.spec.versions.flatMap((v) => ruleMessages(v.schema.openAPIV3Schema))),
);

let admin: KubeClient;
let namespace: string;
const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  admin = await adminClient();
  namespace = uniqueName('lint-parity');
  await admin.create(Builtin.Namespace, { metadata: { name: namespace } });
});

afterAll(async () => {
  printDisagreements();
  await admin.delete(Builtin.Namespace, namespace).catch(() => {});
  admin.close();
});

/** A dry-run create, as `kubectl apply --dry-run=server` sends a new object. */
async function dryRunCreate(c: Case): Promise<Outcome['server']> {
  const type = resources.get(String(c.object.kind));
  if (!type) throw new Error(`${c.file}: no CRD for kind ${String(c.object.kind)}`);
  const metadata = { ...(c.object.metadata as Record<string, unknown>) };
  if (type.namespaced) metadata.namespace = namespace;
  try {
    await admin.request('POST', resourcePath(type, { namespace }), {
      body: { ...c.object, metadata },
      query: { dryRun: 'All', fieldValidation: 'Strict' },
    });
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { code: e.code, message: e.message };
  }
}

/**
 * The lint problems given in the API server's words (a CEL rule's message, a metadata check)
 * that its refusal does not contain at the same field: `path: [Invalid value: ["value": ]]message`.
 */
function unsaidBy(server: Outcome['server'], problems: LintProblem[]): string[] {
  if (server?.code !== 422) return []; // strict decoding refusals (400) name no field errors
  return problems
    .filter(
      (p) =>
        p.path.startsWith('metadata') || RULE_MESSAGES.has(p.message.slice(p.path ? p.path.length + 2 : 0)),
    )
    .filter((p) => {
      const words = p.path ? p.message.slice(p.path.length + 2) : p.message;
      const field = escapeRegExp(p.path || '<nil>');
      return !new RegExp(`${field}: (Invalid value: ("[^"]*": )?)?${escapeRegExp(words)}`).test(
        server.message,
      );
    })
    .map((p) => p.message);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function printDisagreements(): void {
  const rows = cases.flatMap((c) => {
    const o = outcomes.get(c.file);
    if (!o || (o.lint.length > 0 === (o.server !== undefined) && o.unsaid.length === 0)) return [];
    const lint = o.lint.length ? `refused: ${o.lint.map((p) => p.message).join('; ')}` : 'accepted';
    const server = o.server ? `refused: ${o.server.code} ${o.server.message}` : 'accepted';
    const unsaid = o.unsaid.length ? `\n    not said by the server: ${o.unsaid.join('; ')}` : '';
    return [
      `${c.file}  (${c.what})\n    lint:   ${lint.slice(0, 200)}\n    server: ${server.slice(0, 200)}${unsaid}`,
    ];
  });
  if (rows.length > 0)
    console.log(`lint and the API server disagree on ${rows.length} manifest(s):\n${rows.join('\n')}`);
}

describe('lint gives the verdict of the API server on the corpus', () => {
  it('has at least 100 bad manifests and good ones of every kind', () => {
    expect(cases.filter((c) => c.folder === 'bad').length).toBeGreaterThanOrEqual(100);
    const goodKinds = new Set(cases.filter((c) => c.folder === 'good').map((c) => c.object.kind));
    expect([...goodKinds].sort()).toEqual([...resources.keys()].sort());
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s', async (_file, c) => {
    const lint = lintManifests(c.text, c.file);
    const server = await dryRunCreate(c);
    const unsaid = unsaidBy(server, lint);
    outcomes.set(c.file, { lint, ...(server ? { server } : {}), unsaid });
    const verdict = { lint: lint.length > 0, server: server !== undefined };
    const expected = c.folder === 'upcoming' ? verdict.server : c.folder === 'bad';
    const explain = `${c.what}\nlint: ${lint.map((p) => p.message).join('; ')}\nserver: ${server?.message ?? 'created'}`;
    expect(verdict, explain).toEqual({ lint: expected, server: expected });
    expect(unsaid, explain).toEqual([]);
  });
});
