import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes generated files under `root`, or with `check` only compares them: returns 1 and
 * names the stale files (for `npm run check`), 0 when all are current.
 */
export function writeOrCheck(
  root: string,
  files: { path: string; content: string }[],
  opts: { check: boolean; what: string },
): number {
  const stale: string[] = [];
  for (const f of files) {
    const target = path.join(root, f.path);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current === f.content) continue;
    if (opts.check) {
      stale.push(f.path);
    } else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
  }
  if (stale.length) {
    process.stderr.write(`${opts.what} out of date: ${stale.join(', ')}\nRun \`npm run gen\`.\n`);
    return 1;
  }
  return 0;
}
