/**
 * Containment: the launcher harness/native/contain.c in front of every candidate (after prlimit,
 * before any tracer or injector), and where the host allows it a cgroup v2 per candidate.
 *
 * The launcher is a child subreaper: a process the candidate starts that leaves its process
 * group and session (a daemon's setsid and double fork) is re-parented to it, so it stays a
 * descendant of the spawned pid and in the candidate's family. It reports the command's pid and
 * exit on a pipe (fd 3), kills its whole tree when the harness dies (PR_SET_PDEATHSIG), and lives
 * until the last process of the tree has ended.
 *
 * The cgroup is the kernel's own list of the candidate's processes: membership is inherited at
 * fork and cannot be left without privileges, so `cgroup.kill` ends everything even when the
 * ancestry was broken (the launcher itself was killed). It needs a cgroup v2 hierarchy in which
 * the harness may create a child of its own cgroup and move a process into it (root, or a
 * delegated subtree such as a systemd user service); elsewhere the launcher's tree is the bound.
 *
 * Where no C compiler builds the launcher, candidates run as before (own process group, tracked
 * descendants) and each check notes that a daemonising candidate may escape.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { buildNative, firstLine } from './native.js';
import { reaperWatch } from './reaper.js';
import { now, sleep } from './time.js';

export interface Containment {
  /** The compiled launcher. */
  binary: string;
  /** A new empty cgroup for one candidate, or undefined where the host gives none. */
  newCgroup(): string | undefined;
}

export type ContainmentResult = Containment | { unavailable: string };

/** Set to 1 to run candidates without a cgroup (the launcher's tree alone bounds them). */
export const NO_CGROUP_ENV = 'GLC_NO_CGROUP';

let probed: Promise<ContainmentResult> | undefined;

/** The launcher, built and proven to work here once per harness process; the reason otherwise. */
export function containment(): Promise<ContainmentResult> {
  return (probed ??= (async () => {
    let binary: string;
    try {
      binary = await buildNative('contain');
    } catch (error) {
      return { unavailable: `the containment launcher could not be compiled (${firstLine(error)})` };
    }
    const check = await $({ quiet: true, nothrow: true })`${binary} --check`;
    if (check.stdout.trim() !== 'ok') return { unavailable: `the containment launcher does not work here: ${check.stderr.trim() || `exit ${check.exitCode}`}` };
    const base = process.env[NO_CGROUP_ENV] === '1' ? undefined : cgroupBase();
    let count = 0;
    return {
      binary,
      newCgroup: () => {
        if (!base) return undefined;
        const dir = join(base, `c${++count}`);
        try {
          mkdirSync(dir);
        } catch {
          return undefined;
        }
        reaperWatch.cgroup(dir);
        return dir;
      },
    };
  })());
}

/**
 * A cgroup v2 directory of the harness's own, below the cgroup it runs in, or undefined. Removed
 * by the reaper when the harness ends (the harness never removes it: candidates come and go).
 */
function cgroupBase(): string | undefined {
  try {
    const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    // mountinfo: id parent dev root mountpoint options ... - fstype source options
    const fields = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((f) => f[f.indexOf('-') + 1] === 'cgroup2');
    const [root, mount] = [fields?.[3], fields?.[4]];
    // Our cgroup must lie inside what is mounted (a container may mount only its own part).
    if (own === undefined || !root || !mount || !(own + '/').startsWith(root === '/' ? '/' : `${root}/`)) return undefined;
    const base = join(mount, root === '/' ? own : own.slice(root.length), `glc-${process.pid}`);
    mkdirSync(base);
    reaperWatch.cgroup(base);
    return base;
  } catch {
    // No cgroup v2, or not ours to write: the launcher's tree is the bound.
    return undefined;
  }
}

/** Pids in the cgroup (the kernel's list); [] once it is gone. */
export function cgroupMembers(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/**
 * SIGKILLs everything in the cgroup (cgroup.kill, Linux 5.14+; else each listed pid, again until
 * none is left), waits until it is empty, and removes it. Resolves with whether it is gone.
 */
export async function endCgroup(dir: string, budgetMs = 2000): Promise<boolean> {
  const deadline = now() + budgetMs;
  const killFile = join(dir, 'cgroup.kill');
  const canKill = existsSync(killFile);
  while (populated(dir) && now() < deadline) {
    try {
      if (canKill) writeFileSync(killFile, '1');
      else for (const pid of cgroupMembers(dir)) process.kill(pid, 'SIGKILL');
    } catch {
      // A member that went meanwhile, or a cgroup already removed.
    }
    await sleep(2);
  }
  try {
    rmdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  reaperWatch.cgroupRemoved(dir);
  return true;
}
