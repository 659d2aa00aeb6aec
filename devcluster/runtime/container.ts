import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { MountPlan } from './container-spec.ts';

export interface ContainerLaunch {
  /** The pod's network namespace (ip netns name). */
  netns: string;
  /** The image's unpacked root filesystem (shared by its containers: mounted read-only or under an overlay). */
  rootfs: string;
  readOnlyRootFilesystem: boolean;
  /** A directory of this container's own, for the overlay's upper layer. */
  scratch: string;
  argv: string[];
  env: Record<string, string>;
  uid: number;
  gid: number;
  noNewPrivileges: boolean;
  /** Files the kubelet puts in every container. */
  etc: { hosts: string; hostname: string; resolv: string };
  /** The service account directory to mount read-only, if the pod gets a token. */
  serviceAccountDir?: string;
  /** emptyDir volumes: plan plus the host directory backing it. */
  volumes: Array<MountPlan & { hostPath: string }>;
  logFile: string;
  /** The pod's name: the container's hostname (a UTS namespace of its own). */
  hostname: string;
}

// The container's view, set up in mount and UTS namespaces of its own before the process starts: the
// image (read-only, or an overlay when the pod allows writes), /proc, a minimal /dev, the
// kubelet's files and volumes; then the entrypoint as the container's user through chroot.
// Arguments: ROOTFS RO SCRATCH {SOURCE TARGET ro|rw}... -- N PRE(N words) USERSPEC ARGV...
// (chroot(1) starts the process in /, so the image's WorkingDir is not honoured.)
const SETUP = `set -e
echo "$POD_HOSTNAME" > /proc/sys/kernel/hostname
R=$1; RO=$2; UP=$3; shift 3
SRC=(); DST=(); MODE=()
while [ "$1" != "--" ]; do SRC+=("$1"); DST+=("$2"); MODE+=("$3"); shift 3; done
shift
# Mount points the image lacks are made in it, as a runtime makes them in a container's root.
for i in "\${!DST[@]}"; do
  if [ -d "\${SRC[$i]}" ]; then mkdir -p "$R\${DST[$i]}"; elif [ ! -e "$R\${DST[$i]}" ]; then touch "$R\${DST[$i]}"; fi
done
if [ "$RO" = 1 ]; then
  mount --bind "$R" "$R"; mount -o remount,bind,ro "$R"; ROOT=$R
else
  mkdir -p "$UP/upper" "$UP/work" "$UP/root"
  mount -t overlay overlay -o "lowerdir=$R,upperdir=$UP/upper,workdir=$UP/work" "$UP/root"; ROOT=$UP/root
fi
mount -t proc proc "$ROOT/proc"
mount -t tmpfs -o mode=755,nosuid tmpfs "$ROOT/dev"
for d in null zero full random urandom tty; do touch "$ROOT/dev/$d"; mount --bind "/dev/$d" "$ROOT/dev/$d"; done
mkdir -p "$ROOT/dev/shm"; mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$ROOT/dev/shm"
for i in "\${!DST[@]}"; do
  mount --bind "\${SRC[$i]}" "$ROOT\${DST[$i]}"
  if [ "\${MODE[$i]}" = ro ]; then mount -o remount,bind,ro "$ROOT\${DST[$i]}"; fi
done
N=$1; shift
PRE=("\${@:1:$N}"); shift "$N"
US=$1; shift
exec "\${PRE[@]}" "$(command -v chroot)" "$US" "$ROOT" "$@"`;

/**
 * Starts the container's process in the pod's network namespace and a mount namespace of its
 * own, in a process group of its own so one signal reaches all of it. Output goes to
 * `logFile` (what `kubectl logs` would show).
 */
export function launchContainer(l: ContainerLaunch): ChildProcess {
  const binds: string[] = [l.etc.hosts, '/etc/hosts', 'ro', l.etc.hostname, '/etc/hostname', 'ro'];
  binds.push(l.etc.resolv, '/etc/resolv.conf', 'ro');
  if (l.serviceAccountDir)
    binds.push(l.serviceAccountDir, '/var/run/secrets/kubernetes.io/serviceaccount', 'ro');
  for (const v of l.volumes) binds.push(v.hostPath, v.mountPath, v.readOnly ? 'ro' : 'rw');
  // Exactly the pod's environment (env -i), none of this machine's.
  const pre = ['env', '-i', ...Object.entries(l.env).map(([k, v]) => `${k}=${v}`)];
  if (l.noNewPrivileges) pre.unshift('setpriv', '--no-new-privs');
  const log = openSync(l.logFile, 'a');
  try {
    return spawn(
      'ip',
      [
        ...['netns', 'exec', l.netns, 'unshare', '--mount', '--uts', '--fork', '--'],
        ...['bash', '-c', SETUP, 'container', l.rootfs, l.readOnlyRootFilesystem ? '1' : '0', l.scratch],
        ...binds,
        '--',
        String(pre.length),
        ...pre,
        `--userspec=${l.uid}:${l.gid}`,
        ...l.argv,
      ],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', POD_HOSTNAME: l.hostname },
      },
    );
  } finally {
    closeSync(log);
  }
}
