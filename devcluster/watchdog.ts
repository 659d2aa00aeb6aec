import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

// The 'exit' hook does not run when this process dies from a signal it does not handle (SIGTERM,
// SIGINT, SIGKILL, an OOM kill). This shell outlives us in its own process group, learns about
// children and temp dirs over a pipe, and on EOF (however we died) kills what is left.
// "add PID" / "del PID" / "dir PATH" / "undir PATH", one per line.
const script = `
trap '' INT TERM HUP
pids=' '
dirs=''
while IFS=' ' read -r op arg; do
  case "$op" in
    add) pids="$pids$arg " ;;
    del) n=' '; for p in $pids; do [ "$p" = "$arg" ] || n="$n$p "; done; pids=$n ;;
    dir) dirs="$dirs$arg
" ;;
    undir) dirs=$(printf '%s' "$dirs" | grep -vxF -- "$arg"; true)
      [ -n "$dirs" ] && dirs="$dirs
" ;;
  esac
done
for p in $pids; do kill -9 "$p" 2>/dev/null; done
printf '%s' "$dirs" | while IFS= read -r d; do [ -n "$d" ] && rm -rf -- "$d"; done
`;

let watchdog: ChildProcess | undefined;
let broken = false;

function send(line: string): void {
  if (broken) return;
  if (watchdog === undefined) {
    try {
      watchdog = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    } catch {
      broken = true;
      return;
    }
    watchdog.on('error', () => {
      broken = true;
    });
    watchdog.stdin?.on('error', () => {
      broken = true;
    });
    // Neither the watchdog nor its pipe may keep this process alive.
    watchdog.unref();
    (watchdog.stdin as Socket | null)?.unref();
  }
  watchdog.stdin?.write(`${line}\n`);
}

export function watchPid(pid: number): void {
  send(`add ${pid}`);
}

export function unwatchPid(pid: number): void {
  send(`del ${pid}`);
}

export function watchDir(dir: string): void {
  if (!dir.includes('\n')) send(`dir ${dir}`);
}

export function unwatchDir(dir: string): void {
  if (!dir.includes('\n')) send(`undir ${dir}`);
}
