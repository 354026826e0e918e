// node real-builds/research/hand-watch.mjs OUT PORT -- command args...
//
// The sampler behind the hand-measured truth files (real-builds/<build>/truth-<revision>.md): a
// stopwatch cannot tell a lock wait from a slow start, the idle time the criteria judge can. It
// spawns the command (own process group, environment inherited, output to OUT.out and OUT.err, its
// pid to OUT.pid) and every 50 ms samples the process family: whether it owns a LISTEN socket on
// PORT, and its scheduler demand (CPU plus run-queue wait, /proc/<pid>/task/<tid>/schedstat). An
// interval counts as idle as harness/observe/activity.ts counts it: the family wanted under 5% of
// a CPU, no thread was runnable and none had gone. OUT.json gets listenAt, idleToListenMs at
// LISTEN, and exitAt, exitCode, idleToExitMs at the exit (ms since spawn). It never signals the
// command: stop it by the pid in OUT.pid.
import { spawn } from 'node:child_process';
import { openSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';

const [out, portArg, , ...command] = process.argv.slice(2);
const port = Number(portArg);
const t0 = performance.now();
const sinceSpawn = () => +(performance.now() - t0).toFixed(1);
const child = spawn(command[0], command.slice(1), {
  detached: true,
  stdio: ['ignore', openSync(`${out}.out`, 'w'), openSync(`${out}.err`, 'w')],
});
writeFileSync(`${out}.pid`, String(child.pid));
const result = { command: command.join(' '), pid: child.pid, port };
const save = () => writeFileSync(`${out}.json`, JSON.stringify(result, null, 1));

/** The child and its descendants, from every process's parent pid. */
function family() {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {} // gone meanwhile
  }
  const pids = [child.pid];
  for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i]) ?? []));
  return pids;
}

/** Whether one of the pids holds a LISTEN socket on the port. */
function listens(pids) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'latin1').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 10 && cols[3] === '0A' && parseInt(cols[1].split(':').pop(), 16) === port) inodes.add(cols[9]);
    }
  }
  return pids.some((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return inodes.has(/socket:\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]);
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/** Per thread ever seen: ms on a CPU plus ms runnable. */
const threads = new Map();
/** Reads every thread's demand; says whether one is runnable and whether one seen before has gone. */
function sample(pids) {
  let runnable = false;
  const seen = new Set();
  for (const pid of pids) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const tid of tids) {
      try {
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ');
        const key = `${pid}/${tid}`;
        threads.set(key, (Number(cpu) + Number(wait)) / 1e6);
        seen.add(key);
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
        if (stat[stat.lastIndexOf(')') + 2] === 'R') runnable = true;
      } catch {}
    }
  }
  let lost = false;
  for (const key of threads.keys()) if (!seen.has(key)) (lost = true), threads.delete(key);
  let demandMs = 0;
  for (const ms of threads.values()) demandMs += ms;
  return { demandMs, runnable, lost };
}

let previous = { at: 0, demandMs: 0 };
let idleMs = 0;
let exited = false;
const timer = setInterval(() => {
  if (exited) return;
  const pids = family();
  const now = sample(pids);
  const at = sinceSpawn();
  const wanted = now.demandMs - previous.demandMs;
  if (previous.at > 0 && !now.lost && !now.runnable && wanted < 0.05 * (at - previous.at)) idleMs += at - previous.at;
  previous = { at, demandMs: now.demandMs };
  result.idleMs = +idleMs.toFixed(1);
  if (result.listenAt === undefined && listens(pids)) {
    result.listenAt = at;
    result.idleToListenMs = result.idleMs;
    save();
  }
}, 50);

child.on('exit', (code, signal) => {
  exited = true;
  clearInterval(timer);
  Object.assign(result, { exitAt: sinceSpawn(), exitCode: code, signal, idleToExitMs: +idleMs.toFixed(1) });
  save();
  process.exit(0);
});
