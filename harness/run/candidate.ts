/**
 * One spawned candidate: started from its argv (never through a shell) in its own process group,
 * core dumps off, output captured within bounds, its whole family tracked so it can be ended.
 *
 * Contained (contain.ts), the process Node spawns is the containment launcher, which forks the
 * command: `pid` is the command's (as the launcher reports it), the exit is the command's (from
 * the launcher's status line), and the launcher itself appears nowhere, as prlimit does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import {
  allProcesses,
  holdersOf,
  isAlive,
  listenSocketsOnPort,
  processFamily,
  readProcess,
  type ListenSocket,
} from '../observe/procfs.js';
import type { BindEvidence, ProcessEvidence } from '../report.js';
import { bindAddress, bindsOnPort, epochToMonotonic, parseBindTrace, type BindAttempt } from '../observe/bind-trace.js';
import { tcpConnect } from '../observe/probes.js';
import { IdleClock } from '../observe/activity.js';
import { OutputBuffer } from './output.js';
import type { Readiness } from './readiness.js';
import { reaperWatch } from './reaper.js';
import { cgroupMembers, endCgroup } from './contain.js';
import { now, round, sleep, within } from './time.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Monotonic time the exit was observed. */
  at: number;
  spawnError?: string;
}

export interface Listening {
  /** The gateway process: the candidate process that holds the LISTEN socket. */
  pid: number;
  startTime: number;
  inodes: number[];
  sockets: ListenSocket[];
  /** Monotonic time LISTEN was first seen. */
  at: number;
}

export interface SpawnRequest {
  role: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Words to put before argv: they exec or supervise it (a tracer, an injector). */
  launcher?: string[];
  /** The file a bind tracer in `launcher` writes to. */
  traceLog?: string;
  /** The containment launcher and this candidate's empty cgroup; without it, no containment. */
  containment?: { binary: string; cgroup?: string };
}

const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((path) => existsSync(path));
const LISTEN_POLL_MS = 5;
const LISTEN_POLL_MAX_MS = 25;
const FAMILY_CENSUS_MS = 100;
const CONNECT_PROBE_MS = 200;
const EXIT_POLL_MS = 1;
const REPORT_TAIL_CHARS = 4096;
const OUTPUT_DRAIN_MS = 1000;
/** The fd on which the containment launcher reports (the first after stdio). */
const REPORT_FD = 3;
/** A launcher left with no descendant exits at once; this bounds the wait for a stuck one. */
const LAUNCHER_EXIT_MS = 2000;
/** Signal numbers to names, for the launcher's "signal <n>" line. */
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

export class CandidateProcess {
  readonly role: string;
  readonly argv: string[];
  readonly spawnedAt: number;
  readonly stdout = new OutputBuffer();
  readonly stderr = new OutputBuffer();
  readonly exited: Promise<ExitInfo>;
  private readonly outputClosed: Promise<void>;
  exit: ExitInfo | undefined;
  listening: Listening | undefined;
  /** How and when the started gateway was judged ready (readiness protocol). */
  ready: Readiness | undefined;
  /** Quiet time of the family, sampled at every census while waiting for LISTEN or the exit. */
  readonly idle = new IdleClock();
  /** Idle time from spawn to the moment LISTEN was seen. */
  idleUntilListen = 0;
  /** Words the spawn put before the candidate argv (a tracer, an injector), for the report. */
  readonly launcher: string[];
  private readonly traceLog: string | undefined;
  /** Its bind() calls on the port under test, once read from the trace. */
  binds: BindEvidence[] | undefined;
  private readonly child: ChildProcess;
  /** Every process ever seen in the family: pid -> start time (guards against pid reuse). */
  private readonly known = new Map<number, number>();
  /** Whether the containment launcher runs in front of the command. */
  readonly contained: boolean;
  /** The command's pid, as the launcher reported it (contained), else the spawned pid. */
  private commandPid = -1;
  /** The cgroup made for this candidate (removed by kill()), and whether the launcher joined it. */
  private cgroup: string | undefined;
  private cgroupJoined = false;
  /** Set once the process Node spawned (the launcher, when contained) has exited. */
  private spawnedExit: ExitInfo | undefined;
  /** Resolves once `pid` is known (the launcher forked the command), or the spawn failed. */
  readonly started: Promise<void>;
  /** The exit of the process Node spawned: the launcher, when contained. */
  private readonly spawnedExited: Promise<ExitInfo>;

  constructor(request: SpawnRequest) {
    this.role = request.role;
    this.argv = request.argv;
    this.launcher = request.launcher ?? [];
    this.traceLog = request.traceLog;
    const contain = request.containment;
    this.contained = contain !== undefined;
    this.cgroup = contain?.cgroup;
    const containWords = contain
      ? [contain.binary, '--report', String(REPORT_FD), '--parent', String(process.pid), ...(contain.cgroup ? ['--cgroup', contain.cgroup] : []), '--']
      : [];
    const full = [...containWords, ...this.launcher, ...request.argv];
    const [file, ...args] = PRLIMIT ? [PRLIMIT, '--core=0', '--', ...full] : full;
    this.spawnedAt = now();
    // The launcher's PR_SET_PDEATHSIG fires when the thread that spawned it ends: this one,
    // Node's main thread here (spawn forks from the calling thread), which lives as the harness.
    this.child = spawn(file!, args, {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...(contain ? (['pipe'] as const) : [])],
    });
    this.child.stdout!.on('data', (data: Buffer) => this.stdout.push(data));
    this.child.stderr!.on('data', (data: Buffer) => this.stderr.push(data));
    // The candidate's output ends when its processes close the pipes; the launcher holds none.
    this.outputClosed = Promise.all([this.child.stdout!, this.child.stderr!].map((s) => new Promise((resolve) => s.once('close', resolve)))).then(() => {});
    this.spawnedExited = new Promise((resolve) => {
      this.child.once('error', (error) => resolve((this.spawnedExit = { code: null, signal: null, at: now(), spawnError: error.message })));
      this.child.once('exit', (code, signal) => resolve((this.spawnedExit = { code, signal, at: now() })));
    });
    const reports = contain ? (this.child.stdio[REPORT_FD] as Readable) : undefined;
    // The launcher's lines have all been read once its report pipe is closed (it exited).
    const reportsEnded = reports ? new Promise<void>((resolve) => reports.once('close', () => resolve())) : Promise.resolve();
    let onPid: () => void = () => {};
    this.started = new Promise<void>((resolve) => (onPid = resolve));
    this.exited = new Promise((resolve) => {
      const settle = (exit: ExitInfo) => {
        this.exit ??= exit;
        onPid();
        resolve(this.exit);
      };
      if (reports) {
        let buffered = '';
        reports.setEncoding('latin1').on('data', (text: string) => {
          buffered += text;
          for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            const [word, value] = line.split(' ', 2);
            if (word === 'pid') {
              this.commandPid = Number(value);
              this.remember(this.commandPid);
              onPid();
            } else if (word === 'cgroup') this.cgroupJoined = value === 'ok';
            else if (word === 'exit') settle({ code: Number(value), signal: null, at: now() });
            else if (word === 'signal') settle({ code: null, signal: SIGNAL_NAMES.get(Number(value)) ?? null, at: now() });
          }
        });
        reports.on('error', () => {}); // the launcher died: its exit says the rest
      }
      // Contained, the launcher's own exit stands in only when it said nothing (it was killed,
      // or never got to fork): read its last lines first, they can arrive after the exit event.
      void this.spawnedExited.then(async (exit) => {
        await within(reportsEnded, OUTPUT_DRAIN_MS);
        settle(exit);
      });
    });
    if (this.child.pid) {
      reaperWatch.group(this.child.pid);
      if (contain) {
        const info = readProcess(this.child.pid);
        if (info) reaperWatch.tree(this.child.pid, info.startTime);
      } else {
        this.commandPid = this.child.pid;
        this.remember(this.child.pid);
        onPid();
      }
    }
  }

  /** The spawned process: the candidate's command (never the launcher); -1 before it runs. */
  get pid(): number {
    return this.commandPid;
  }

  /** The process group (and session) of the candidate: led by the process Node spawned. */
  private get groupPid(): number {
    return this.child.pid ?? -1;
  }

  /** The session the candidate started in; a process in another one left it (setsid). */
  get session(): number {
    return this.groupPid;
  }

  /**
   * Living processes of the candidate: its process group, every descendant of the spawned pid
   * (with the launcher a subreaper, that includes orphans re-parented in other sessions) and
   * every member of its cgroup; never the launcher itself.
   */
  family(): number[] {
    if (this.groupPid <= 0) return [];
    const members: (readonly [number, number])[] = [];
    if (this.cgroup && this.cgroupJoined) {
      // The launcher joined the cgroup before it forked the command: every descendant is a member
      // (leaving takes a write to another cgroup), so no scan of every process on the host, which
      // costs more the busier the host is (a census runs every 100 ms per waiting candidate).
      for (const pid of cgroupMembers(this.cgroup)) {
        // A member already known keeps its start time: no second read of its stat.
        if (this.known.has(pid)) continue;
        const start = readProcess(pid)?.startTime;
        if (start !== undefined) members.push([pid, start]);
      }
    } else {
      for (const p of processFamily(this.groupPid, this.groupPid, allProcesses())) members.push([p.pid, p.startTime]);
    }
    for (const [pid, start] of members) if (!this.known.has(pid) && !(this.contained && pid === this.groupPid)) this.known.set(pid, start);
    const living = [...this.known].filter(([pid, start]) => isAlive(pid, start)).map(([pid]) => pid);
    return living;
  }

  private remember(pid: number): void {
    const info = readProcess(pid);
    if (info) this.known.set(pid, info.startTime);
  }

  /** Set when the wait for LISTEN ended because the candidate listens on the watched other port. */
  listeningElsewhere: string | undefined;

  /**
   * Polls until a candidate process holds a LISTEN socket on `port`; undefined on timeout, death,
   * once it holds one on `otherPort` instead (a gateway that ignores --port binds its default),
   * or once `giveUp`, asked at every census (after the idle clock is sampled), says so.
   */
  async waitListening(port: number, budgetMs: number, otherPort?: number, giveUp?: () => boolean): Promise<Listening | undefined> {
    const deadline = now() + budgetMs;
    let lastCensus = 0;
    // Another process (an occupier, a first instance) listens on the port: a connect tells nothing.
    let occupied = false;
    while (now() < deadline) {
      // Reading /proc/net/tcp walks the kernel's whole socket table and a census reads every
      // /proc/<pid>/stat: both only when a cheap connect says something listens, when the
      // spawned process exited, and every 100 ms (a gateway on [::1] only, new descendants).
      const due = this.exit !== undefined || now() - lastCensus > FAMILY_CENSUS_MS;
      if (due || (!occupied && (await tcpConnect(port, CONNECT_PROBE_MS)))) {
        lastCensus = now();
        const sockets = listenSocketsOnPort(port);
        const family = this.family();
        this.idle.sample(family);
        const held = sockets.length > 0 ? holdersOf(sockets.map((s) => s.inode), family) : new Map<number, number[]>();
        if (held.size > 0) {
          this.idleUntilListen = this.idle.idleMs;
          return this.listenedBy(held, sockets);
        }
        if (this.exit && family.length === 0) return undefined;
        if (giveUp?.()) return undefined;
        if (otherPort !== undefined && otherPort !== port) {
          const other = listenSocketsOnPort(otherPort);
          if (other.length > 0 && holdersOf(other.map((s) => s.inode), family).size > 0) {
            this.listeningElsewhere = other.map((s) => s.address).join(', ');
            return undefined;
          }
        }
        occupied = sockets.length > 0;
      }
      // Each scan walks the kernel's whole socket table: often at first, then less often, so a
      // 25 s startup costs hundreds of scans, not thousands (startup resolution stays <= 25 ms).
      await sleep(Math.min(LISTEN_POLL_MAX_MS, LISTEN_POLL_MS + (now() - this.spawnedAt) / 20));
    }
    return undefined;
  }

  private listenedBy(held: Map<number, number[]>, sockets: ListenSocket[]): Listening {
    const pid = this.outermost([...held.keys()]);
    const inodes = held.get(pid)!;
    this.listening = {
      pid,
      startTime: this.known.get(pid) ?? readProcess(pid)?.startTime ?? 0,
      inodes,
      sockets: sockets.filter((s) => inodes.includes(s.inode)),
      at: now(),
    };
    return this.listening;
  }

  /**
   * Looks again at the gateway's LISTEN sockets on `port` once it serves: the first one seen may
   * be a loopback alias opened a moment before the main listener.
   */
  refreshListening(port: number): void {
    if (!this.listening) return;
    const sockets = listenSocketsOnPort(port);
    const held = holdersOf(sockets.map((s) => s.inode), this.family());
    const inodes = held.get(this.listening.pid);
    if (inodes) this.listening = { ...this.listening, inodes, sockets: sockets.filter((s) => inodes.includes(s.inode)) };
  }

  /** The address to reach the gateway on: 127.0.0.1 when it listens there (or on a wildcard). */
  get servingHost(): string {
    const hosts = this.listening?.sockets.map((s) => s.host) ?? [];
    if (hosts.length === 0 || hosts.some((h) => h === '127.0.0.1' || h === '0.0.0.0' || h === '::')) return '127.0.0.1';
    return hosts.find((h) => h === '::1') ?? hosts[0]!.replace(/^::ffff:/, '');
  }

  /** Of several holders of one socket (a child inherited it), the one nearest the spawned pid. */
  private outermost(pids: number[]): number {
    const holders = new Set(pids);
    return (
      pids.find((pid) => {
        for (let p = readProcess(pid)?.ppid; p && p > 1; p = readProcess(p)?.ppid) {
          if (holders.has(p)) return false;
        }
        return true;
      }) ?? pids[0]!
    );
  }

  /** The gateway process: the LISTEN owner once known, else the spawned pid. */
  get gatewayPid(): number {
    return this.listening?.pid ?? this.pid;
  }

  signalGateway(signal: NodeJS.Signals): void {
    try {
      process.kill(this.gatewayPid, signal);
    } catch {
      // Already gone: the caller observes the exit.
    }
  }

  /** Resolves with the monotonic time the gateway process's exit was observed, or undefined. */
  async waitGatewayExit(budgetMs: number): Promise<number | undefined> {
    if (this.gatewayPid === this.pid) {
      const exit = await within(this.exited, budgetMs);
      return exit?.at;
    }
    const { pid, startTime } = this.listening!;
    const deadline = now() + budgetMs;
    while (now() < deadline) {
      if (!isAlive(pid, startTime)) return now();
      await sleep(EXIT_POLL_MS);
    }
    return undefined;
  }

  /**
   * The spawned process's exit, once its output is read to the end: 'exit' can come before the
   * last bytes of stdout and stderr (a descendant holding the pipes bounds the wait).
   */
  async waitExit(budgetMs: number): Promise<ExitInfo | undefined> {
    const exit = await within(this.exited, budgetMs);
    if (exit) await within(this.outputClosed, OUTPUT_DRAIN_MS);
    return exit;
  }

  /**
   * SIGKILLs every process of the family until none is left, then (contained) waits for the
   * launcher, which exits once it has reaped the last one, and empties and removes the cgroup.
   * Contained, the group is not killed as a whole: the launcher is in it and must outlive its
   * descendants, or orphans would be re-parented to init, out of the family.
   */
  async kill(): Promise<void> {
    const group = this.groupPid;
    if (group <= 0) return;
    const deadline = now() + 5000;
    let family = this.family();
    while (family.length > 0 && now() < deadline) {
      if (!this.contained) trySignal(-group, 'SIGKILL');
      for (const pid of family) trySignal(pid, 'SIGKILL');
      await sleep(5);
      family = this.family();
    }
    let launcherGone = true;
    if (this.contained && !(await within(this.spawnedExited, family.length === 0 ? LAUNCHER_EXIT_MS : 0))) {
      trySignal(-group, 'SIGKILL');
      launcherGone = (await within(this.spawnedExited, LAUNCHER_EXIT_MS)) !== undefined;
    }
    const cgroupGone = this.cgroup ? await endCgroup(this.cgroup) : true;
    if (cgroupGone && this.cgroup) this.cgroup = undefined;
    if (family.length === 0 && launcherGone && cgroupGone) {
      reaperWatch.groupEnded(group);
      if (this.contained) reaperWatch.treeEnded(group);
    }
    await this.waitExit(2000);
  }

  /**
   * Pids still alive of the candidate (for the check after cleanup), the launcher included: it
   * lives only while something below it does.
   */
  survivors(): number[] {
    const left = this.family();
    if (this.contained && this.groupPid > 0 && !this.spawnedExit && isAlive(this.groupPid)) left.push(this.groupPid);
    return left;
  }

  /** Reads the bind tracer's log: the bind() calls on `port`, as traced (epoch times). */
  readBinds(port: number): BindAttempt[] {
    let text = '';
    try {
      text = readFileSync(this.traceLog ?? '', 'utf8');
    } catch {
      // No trace: nothing was written (the tracer could not start).
    }
    const attempts = bindsOnPort(parseBindTrace(text), port);
    this.binds = attempts.map((a) => ({
      pid: a.pid,
      tMs: round(this.sinceSpawn(a.atEpochMs)),
      address: bindAddress(a),
      ok: a.ok,
      ...(a.errno ? { errno: a.errno } : {}),
    }));
    return attempts;
  }

  /** Milliseconds from the spawn to an epoch time of the tracer's clock. */
  sinceSpawn(epochMs: number): number {
    return epochToMonotonic(epochMs) - this.spawnedAt;
  }

  evidence(): ProcessEvidence {
    const gatewayPid = this.listening && this.listening.pid !== this.pid ? { gatewayPid: this.listening.pid } : {};
    const startup = this.listening
      ? {
          startup: {
            listenMs: round(this.listening.at - this.spawnedAt),
            ...(this.ready ? { readyMs: round(this.ready.at - this.listening.at), readiness: this.ready.method, readinessDetail: this.ready.detail } : {}),
          },
        }
      : {};
    return {
      role: this.role,
      pid: this.pid,
      argv: [...this.launcher, ...this.argv],
      ...gatewayPid,
      ...startup,
      ...(this.binds ? { binds: this.binds } : {}),
      exitCode: this.exit?.code ?? null,
      signal: this.exit?.signal ?? null,
      stdoutTail: this.stdout.last(REPORT_TAIL_CHARS),
      stderrTail: this.stderr.last(REPORT_TAIL_CHARS),
    };
  }

  /** All captured output, ANSI stripped: stdout then stderr. */
  output(): string {
    return `${this.stdout.text()}\n${this.stderr.text()}`;
  }
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}
