/**
 * The harness's side of the reaper (reaper-process.ts): every candidate's process group, its
 * containment launcher (whose descendants include daemons in sessions of their own), its cgroup
 * and every profile directory is listed with it while it exists, so none outlives the harness,
 * however the harness ends. One reaper serves the whole harness process; it is started on first
 * use and never keeps the harness alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const REAPER = fileURLToPath(new URL('./reaper-process.js', import.meta.url));
let reaper: ChildProcess | undefined;

function tell(line: string): void {
  if (!reaper) {
    reaper = spawn(process.execPath, [REAPER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.unref();
    (reaper.stdin as Socket).unref();
    reaper.stdin!.on('error', () => {}); // a reaper that is gone cannot be told; cleanup still runs
  }
  reaper.stdin!.write(`${line}\n`);
}

export const reaperWatch = {
  group: (pgid: number) => tell(`+group ${pgid}`),
  groupEnded: (pgid: number) => tell(`-group ${pgid}`),
  /** A containment launcher, by pid and start time (a reused pid is not walked). */
  tree: (pid: number, startTime: number) => tell(`+tree ${pid} ${startTime}`),
  treeEnded: (pid: number) => tell(`-tree ${pid}`),
  cgroup: (path: string) => tell(`+cgroup ${path}`),
  cgroupRemoved: (path: string) => tell(`-cgroup ${path}`),
  dir: (path: string) => tell(`+dir ${path}`),
  dirRemoved: (path: string) => tell(`-dir ${path}`),
};
