/**
 * The reaper: a process of its own (own process group, stdin a pipe from the harness) that ends
 * what the harness leaves if it dies without cleaning up (SIGKILL, a test runner's process.exit).
 * Lines on stdin: `+group <pgid>`, `-group <pgid>`, `+tree <pid> <start time>`, `-tree <pid>`,
 * `+cgroup <path>`, `-cgroup <path>`, `+dir <path>`, `-dir <path>`. At end of input it ends, in
 * this order, every listed cgroup (cgroup.kill), every descendant of every listed containment
 * launcher, every listed process group; then removes every listed cgroup and directory.
 *
 * Descendants come before groups: a daemon that left the candidate's group and session is found
 * only through its ancestry, and the launcher (a subreaper, in the group) holds that ancestry
 * together. Killed first, it would hand the orphans to init, out of reach. The launcher also
 * kills its tree itself when the harness dies (PR_SET_PDEATHSIG): this is the second line.
 */
import { existsSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { allProcesses, readProcess } from '../observe/procfs.js';

const groups = new Set<number>();
const trees = new Map<number, number>();
const cgroups = new Set<string>();
const dirs = new Set<string>();

const WALK_BUDGET_MS = 3000;
const CGROUP_BUDGET_MS = 2000;

function trySignal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Living descendants of the listed launchers that are still the processes that were listed. */
function descendants(): number[] {
  const snapshot = allProcesses();
  const children = new Map<number, number[]>();
  for (const p of snapshot) if (p.state !== 'Z') children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found: number[] = [];
  for (const [root, startTime] of trees) {
    if (readProcess(root)?.startTime !== startTime) continue;
    const queue = [...(children.get(root) ?? [])];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      found.push(pid);
      queue.push(...(children.get(pid) ?? []));
    }
  }
  return found;
}

function cgroupPopulated(path: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(`${path}/cgroup.events`, 'utf8'));
  } catch {
    return false;
  }
}

async function reap(): Promise<void> {
  // Deepest first: a candidate's cgroup before the harness's own.
  const byDepth = [...cgroups].sort((a, b) => b.length - a.length);
  for (const path of byDepth) {
    try {
      if (existsSync(`${path}/cgroup.kill`)) writeFileSync(`${path}/cgroup.kill`, '1');
    } catch {
      // gone, or not ours to kill: the walk below still runs
    }
  }
  const deadline = Date.now() + WALK_BUDGET_MS;
  for (let found = descendants(); found.length > 0 && Date.now() < deadline; found = descendants()) {
    for (const pid of found) trySignal(pid);
    await sleep(5);
  }
  for (const pgid of groups) trySignal(-pgid);
  const emptied = Date.now() + CGROUP_BUDGET_MS;
  while (byDepth.some(cgroupPopulated) && Date.now() < emptied) await sleep(5);
  for (const path of byDepth) {
    try {
      rmdirSync(path);
    } catch {
      // still populated (a process stuck in the kernel) or already gone
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [, sign, kind, value] = /^([+-])(group|tree|cgroup|dir) (.+)$/.exec(line) ?? [];
    if (!value) return;
    const add = sign === '+';
    if (kind === 'group') add ? groups.add(Number(value)) : groups.delete(Number(value));
    else if (kind === 'tree') {
      const [pid, startTime] = value.split(' ').map(Number);
      add ? trees.set(pid!, startTime!) : trees.delete(pid!);
    } else if (kind === 'cgroup') add ? cgroups.add(value) : cgroups.delete(value);
    else add ? dirs.add(value) : dirs.delete(value);
  })
  .on('close', () => {
    void reap().finally(() => process.exit(0));
  });
