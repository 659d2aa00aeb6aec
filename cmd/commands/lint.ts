import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { formatProblem, type LintProblem, lintManifests, loadCrdSchemas } from '../../operator/lint/index.ts';
import { CliError, EXIT } from '../exit-codes.ts';

function expand(target: string): string[] {
  if (target === '-') return ['-'];
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(target);
  } catch {
    throw new CliError(`${target}: no such file or directory`);
  }
  if (!st.isDirectory()) return [target];
  return readdirSync(target, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(target, f));
}

export function lintCommand(): Command {
  return new Command('lint')
    .description(
      'Check Tenantry manifests offline against the CRD schemas (for GitOps repositories and CI).\n' +
        'Metadata, schema and CEL rules are checked as the API server checks a create; rules that compare with the\n' +
        'live object (oldSelf, e.g. immutability) only apply to updates and are left to the API server.',
    )
    .requiredOption('-f, --filename <paths...>', 'files or directories of YAML manifests ("-" reads stdin)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--crds <dir>', 'directory of CRD YAML to validate against (default: the bundled crds/)')
    .action((opts: { filename: string[]; output: string; crds?: string }) => {
      if (!['text', 'json'].includes(opts.output))
        throw new CliError(`--output must be text or json, got "${opts.output}"`);
      const schemas = loadCrdSchemas(...(opts.crds ? [opts.crds] : []));
      const problems: LintProblem[] = [];
      let files = 0;
      for (const file of opts.filename.flatMap(expand)) {
        files++;
        const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
        problems.push(...lintManifests(text, file === '-' ? '<stdin>' : file, schemas));
      }
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify({ files, problems }, null, 2)}\n`);
      } else {
        for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
        process.stderr.write(`${files} file(s) checked, ${problems.length} problem(s)\n`);
      }
      if (problems.length) process.exitCode = EXIT.findings;
    });
}
