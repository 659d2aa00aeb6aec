import { readFileSync } from 'node:fs';
import { CliError, EXIT } from '../exit-codes.ts';

const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * The client secret from the file `--client-secret-file` names, without its trailing newline.
 * A file that can't be read or holds nothing is a usage error naming the flag and the file:
 * signing up with no secret would only fail later, at the identity provider.
 */
export function readClientSecretFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(
      `--client-secret-file ${file}: cannot read it (${WHY[err.code ?? ''] ?? err.message})`,
      EXIT.usage,
    );
  }
  const secret = text.trim();
  if (!secret)
    throw new CliError(`--client-secret-file ${file} is empty: put the OIDC client secret in it`, EXIT.usage);
  return secret;
}
