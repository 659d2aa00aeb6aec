import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// The build scripts and the pinned versions stay in hack/, beside the wrapper Go modules they
// build from; this package runs and reads them, and never imports from hack/.
const hackDir = fileURLToPath(new URL('../hack/', import.meta.url));

/** Absolute path of a script or file under hack/ (an absolute `name` stays as it is). */
export function hackPath(name: string): string {
  return resolve(hackDir, name);
}

// A script is not safe to run twice at once (both would write the same binary), so callers in
// one process that ask together share one run; a later call runs it again, which answers from
// the cache in milliseconds.
const running = new Map<string, Promise<string>>();

/**
 * Runs a hack/ build script and resolves with the last non-empty line of its stdout: the path
 * of what it built or found in the cache. Its stderr lines are progress, passed to `onProgress`
 * (default: our stderr); the last of them are quoted in the error when the script fails.
 */
export function runBuildScript(
  script: string,
  onProgress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<string> {
  let run = running.get(script);
  if (!run) {
    run = spawnScript(hackPath(script), onProgress).finally(() => running.delete(script));
    running.set(script, run);
  }
  return run;
}

function spawnScript(path: string, onProgress: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdoutLines: string[] = [];
    const stderrTail: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => stdoutLines.push(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 30) stderrTail.shift();
      onProgress(line);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const last = stdoutLines.findLast((l) => l.trim() !== '');
      if (code === 0 && last !== undefined) {
        resolve(last.trim());
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`${path} ${how}; last output:\n${stderrTail.join('\n')}`));
    });
  });
}
