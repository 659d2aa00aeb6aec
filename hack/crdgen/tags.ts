// Reading JSDoc: the description becomes the schema's description (what `kubectl explain`
// prints) and the tags are the generator's instructions. The vocabulary is documented in
// hack/gen-crds.ts and operator/api/README.md.

import { relative } from 'node:path';
import type { JSDocableNode, Node } from 'ts-morph';
import YAML from 'yaml';

export interface Tag {
  name: string;
  /** The tag's text with line breaks folded into spaces; '' when it has none. */
  text: string;
  line: number;
}

export interface Doc {
  description: string;
  tags: Tag[];
}

/** Reads the JSDoc block right before a declaration (the last one, if there are several). */
export function readDoc(node: JSDocableNode & Node): Doc {
  const doc = node.getJsDocs().at(-1);
  if (!doc) return { description: '', tags: [] };
  return {
    description: normaliseDescription(doc.getDescription()),
    tags: doc.getTags().map((tag) => ({
      name: tag.getTagName(),
      text: foldLines(tag.getCommentText() ?? ''),
      line: tag.getStartLineNumber(),
    })),
  };
}

/**
 * Source comments are wrapped at the editor's width; kubectl explain wraps at the
 * terminal's. So lines of a paragraph are joined, paragraphs stay apart, and list items
 * keep their own lines.
 */
export function normaliseDescription(raw: string): string {
  const paragraphs: string[][] = [[]];
  for (const line of raw.split('\n').map((l) => l.trim())) {
    if (line === '') {
      if ((paragraphs.at(-1) ?? []).length > 0) paragraphs.push([]);
      continue;
    }
    const current = paragraphs.at(-1) ?? [];
    if (current.length > 0 && !/^([-*]|\d+\.)\s/.test(line)) {
      current[current.length - 1] += ` ${line}`;
    } else {
      current.push(line);
    }
  }
  return paragraphs
    .filter((p) => p.length > 0)
    .map((p) => p.join('\n'))
    .join('\n\n');
}

function foldLines(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Parses `key=value key=value` where values may contain spaces: a value runs up to the
 * next ` <known key>=`. CEL rules and messages are written unquoted, so only known keys
 * split the text.
 */
export function parseKeyValues(
  text: string,
  keys: readonly string[],
): { values: Map<string, string>; error?: string } {
  const values = new Map<string, string>();
  const finder = new RegExp(`(^|\\s)(${keys.join('|')})=`, 'g');
  const found = [...text.matchAll(finder)];
  if (found.length === 0) return { values, error: `expected ${keys.map((k) => `${k}=`).join(' ')}` };
  const first = found[0];
  if (first && first.index > 0 && text.slice(0, first.index).trim() !== '') {
    return { values, error: `unexpected text before ${first[2]}=: "${text.slice(0, first.index).trim()}"` };
  }
  for (const [i, match] of found.entries()) {
    const key = match[2] ?? '';
    const start = match.index + match[0].length;
    const end = found[i + 1]?.index ?? text.length;
    if (values.has(key)) return { values, error: `${key}= given twice` };
    values.set(key, text.slice(start, end).trim());
  }
  return { values };
}

/** Parses a tag's value as YAML, so `30`, `true`, `Delete` and `[{name: default}]` all work. */
export function parseYamlValue(text: string): { value?: unknown; error?: string } {
  if (text === '') return { error: 'needs a value' };
  try {
    return { value: YAML.parse(text) };
  } catch (err) {
    return { error: `value is not valid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Where a node is, for error messages: `operator/api/v1alpha1/tenant.ts:42`. */
export function locate(node: Node, root: string): string {
  return `${relative(root, node.getSourceFile().getFilePath())}:${node.getStartLineNumber()}`;
}
