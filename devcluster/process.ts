import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pollUntil } from './poll.ts';
import { unwatchDir, unwatchPid, watchDir, watchPid } from './watchdog.ts';

// Children and temp dirs still alive in this process. The 'exit' hook kills and removes them
// synchronously, so a crashed test run or a forgotten stop() never leaves an apiserver behind;
// the watchdog covers deaths that skip 'exit' (signals).
const liveChildren = new Set<ChildProcess>();
const dirsToRemoveOnExit = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of dirsToRemoveOnExit) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort: the process is exiting
      }
    }
  });
}

/** Removes `dir` when this process exits, unless forgotten first. */
export function removeOnExit(dir: string): () => void {
  installExitHook();
  dirsToRemoveOnExit.add(dir);
  watchDir(dir);
  return () => {
    dirsToRemoveOnExit.delete(dir);
    unwatchDir(dir);
  };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A long-running child whose stdout and stderr go to a log file. */
export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private spawnError: Error | undefined;
  private stopping = false;

  constructor(name: string, command: string, args: readonly string[], logPath: string) {
    installExitHook();
    this.name = name;
    this.logPath = logPath;
    const fd = openSync(logPath, 'a');
    try {
      this.child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
    liveChildren.add(this.child);
    const pid = this.child.pid;
    if (pid !== undefined) watchPid(pid);
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo) => {
        liveChildren.delete(this.child);
        if (pid !== undefined) unwatchPid(pid);
        this.exitInfo ??= info;
        resolve(this.exitInfo);
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      // A spawn failure (e.g. a missing binary) arrives as 'error' without an 'exit'.
      this.child.once('error', (err) => {
        this.spawnError = err;
        done({ code: null, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  describeExit(): string {
    if (this.spawnError) return `failed to start: ${this.spawnError.message}`;
    const info = this.exitInfo;
    if (info === undefined) return 'running';
    return info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
  }

  async failure(message: string): Promise<Error> {
    return new Error(`${this.name} ${message} (${this.describeExit()}); ${await logExcerpt(this.logPath)}`);
  }

  /**
   * Polls `ready` until it returns true. Fails early if the process exits, and on any failure
   * (exit or deadline) the error carries the tail of the process log.
   */
  async waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    try {
      await pollUntil(async () => ((await ready()) ? true : undefined), {
        what: `${this.name} to become ${what}`,
        timeoutMs,
        intervalMs: 50,
        abortIf: () => {
          if (this.exitInfo !== undefined) throw new Error('the process is gone');
        },
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw await this.failure(`did not become ${what}: ${message}`);
    }
  }

  /** SIGTERM, then SIGKILL once `graceMs` has passed. Safe to call repeatedly and concurrently. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exitInfo !== undefined) return;
    if (!this.stopping) {
      this.stopping = true;
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

// klog error/fatal lines ("E0102 15:04:05...") and cobra's "Error: ..." line for bad flags, which
// is printed before the usage text and so is often not in the tail.
const errorLine = /^(Error:|[EF]\d{4} )/;

/** The log's error lines (if any scrolled out of the tail) followed by its last lines. */
export async function logExcerpt(path: string, lines = 30): Promise<string> {
  let text: string;
  try {
    text = await readEnd(path, 256 * 1024);
  } catch (err) {
    return `log ${path} unavailable: ${err instanceof Error ? err.message : String(err)}`;
  }
  const all = text.trimEnd().split('\n');
  const tail = all.slice(-lines);
  const earlierErrors = all
    .slice(0, -lines)
    .filter((l) => errorLine.test(l))
    .slice(-10);
  const parts = [];
  if (earlierErrors.length > 0) parts.push(`earlier errors:\n${earlierErrors.join('\n')}`);
  parts.push(`last lines of ${path}:\n${tail.join('\n')}`);
  return parts.join('\n');
}

async function readEnd(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
