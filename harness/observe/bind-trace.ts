/**
 * Observes a candidate's bind() calls with strace: when each was made, on which address, and how
 * it ended. With --seccomp-bpf the kernel stops the tracee only at bind(), so tracing costs
 * next to nothing beyond strace's start (every other syscall runs untraced).
 *
 * The prefix is, in strace 6.1's documented long options:
 *
 *   strace --follow-forks --seccomp-bpf --quiet=all --trace=bind --signal=none
 *          --absolute-timestamps=unix,us --interruptible=never --output=LOG --
 *
 * --follow-forks      every descendant is traced (a gateway under sh, a respawned child)
 * --seccomp-bpf       the tracee stops only at bind(): near-zero overhead
 * --quiet=all         no attach / exit / "superseded by execve" notes, in the log or on stderr
 * --signal=none       no "--- SIGCHLD ---" lines
 * --absolute-timestamps=unix,us   epoch seconds with microseconds on every line
 * --interruptible=never  (strace's default with -o FILE PROG, spelled out) fatal signals sent
 *                     to strace itself are blocked: they neither kill it nor reach the tracee
 * --output=LOG        the trace never mixes with the candidate's stderr
 *
 * Exit status: strace exits with the tracee's exit code, and when the tracee dies by a signal,
 * strace kills itself with that signal, so the spawned process ends as the candidate did
 * (tested: exit 1 -> 1, SIGKILL -> SIGKILL). strace's own messages (a command it cannot run:
 * "strace: Can't stat ...", exit 1) go to stderr.
 *
 * Limitations:
 * - Signal the traced process, not the spawned strace pid: strace blocks SIGTERM and SIGINT
 *   (--interruptible=never) and never forwards signals. SIGKILL of strace alone detaches the
 *   tracees; they run on with strace's seccomp filter, whose binds then fail with ENOSYS (the
 *   kernel's answer to SECCOMP_RET_TRACE without a tracer). Kill the whole family.
 * - A seccomp user-notification filter (the bind-errno launcher) takes precedence over
 *   SECCOMP_RET_TRACE: binds of processes under it are not seen with --seccomp-bpf.
 * - ptrace may be forbidden (containers without CAP_SYS_PTRACE under some seccomp profiles):
 *   bindTracer() proves strace works once and otherwise resolves undefined with the reason.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BindAttempt } from '../judge/binds.js';

export { bindAddress, bindsOnPort, describeBindAttempts, type BindAttempt, type TracedExit } from '../judge/binds.js';

export interface BindTracer {
  /** Words to put before the candidate argv; the trace is written to `logFile`. */
  prefix(logFile: string): string[];
  method: string;
}

const PROBE_TIMEOUT_MS = 20_000;

function tracerWords(strace: string, logFile: string): string[] {
  return [
    strace,
    '--follow-forks',
    '--seccomp-bpf',
    '--quiet=all',
    '--trace=bind',
    '--signal=none',
    '--absolute-timestamps=unix,us',
    '--interruptible=never',
    `--output=${logFile}`,
    '--',
  ];
}

let probed: Promise<BindTracer | undefined> | undefined;
let unavailable: string | undefined;

/** The strace tracer, proven once to work on this host; undefined otherwise (see bindTracerUnavailable). */
export function bindTracer(): Promise<BindTracer | undefined> {
  return (probed ??= probe().then(
    (tracer) => tracer,
    (error: unknown) => {
      unavailable = `strace probe failed: ${error instanceof Error ? error.message : String(error)}`;
      return undefined;
    },
  ));
}

/** Why bindTracer() resolved undefined; undefined while it has not, or when it found a tracer. */
export function bindTracerUnavailable(): string | undefined {
  return unavailable;
}

async function probe(): Promise<BindTracer | undefined> {
  const strace = findInPath('strace');
  if (!strace) {
    unavailable = 'strace not found in PATH';
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glc-strace-probe-'));
  try {
    const log = join(dir, 'probe.trace');
    const script = "const s=require('net').createServer().listen(0,'127.0.0.1',()=>s.close())";
    const result = await runQuietly([...tracerWords(strace, log), process.execPath, '-e', script], PROBE_TIMEOUT_MS);
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // No log: strace failed before tracing (reported below).
    }
    const seen = parseBindTrace(text).some((a) => a.family === 'inet' && a.host === '127.0.0.1' && a.port === 0 && a.ok);
    if (!seen || result.code !== 0) {
      const why = result.stderr.trim().split('\n')[0] || (result.code === null ? `ended by ${result.signal ?? 'timeout'}` : `exit ${result.code}`);
      unavailable = `strace does not work here: ${seen ? `exit ${result.code}` : 'no bind() in its trace'} (${why})`;
      return undefined;
    }
    // Without seccomp filters strace falls back to stopping at every syscall, and says so.
    const slow = /seccomp/i.test(result.stderr);
    return {
      method: slow ? 'strace (ptrace, seccomp-bpf unavailable: every syscall stops)' : 'strace --seccomp-bpf (stops at bind() only)',
      prefix: (logFile) => tracerWords(strace, logFile),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function findInPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function runQuietly(argv: string[], timeoutMs: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => resolve({ code: null, signal: null, stderr: error.message }));
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

// ---- the parser ----------------------------------------------------------------------------

// "12345 1733912345.123456 rest" (-o FILE with -f) or "[pid 12345] 1733912345.123456 rest" (stderr).
const LINE = /^\s*(?:\[pid\s+)?(\d+)\]?\s+(\d+(?:\.\d+)?)\s+(.*)$/;
// "= 0", "= -1 EADDRINUSE (Address already in use)", "= ?" (killed), then optionally " <0.000012>" (-T).
const RESULT = /\s=\s(-?\d+|\?)(?:\s+([A-Z][A-Z0-9_]*)(?:\s+\([^)]*\))?)?(?:\s+<[\d.]+>)?\s*$/;

interface Pending {
  attempt: BindAttempt;
}

/**
 * The bind() calls in strace output (the tracer's format; other syscalls and lines are ignored).
 * A call split by another process's line ("bind(... <unfinished ...>", later "<... bind
 * resumed>) = 0") is joined by pid and keeps its entry position and time; one never resumed (its
 * process was killed in it, or the trace was read early) stays with ok false and no errno.
 */
export function parseBindTrace(text: string): BindAttempt[] {
  const attempts: BindAttempt[] = [];
  const pending = new Map<number, Pending>();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    const atEpochMs = Number(match[2]) * 1000;
    const rest = match[3]!;
    if (rest.startsWith('<... bind resumed>')) {
      const open = pending.get(pid);
      if (!open) continue;
      pending.delete(pid);
      applyResult(open.attempt, rest);
      continue;
    }
    if (!rest.startsWith('bind(')) continue;
    const attempt: BindAttempt = { pid, atEpochMs, ...decodeAddress(rest), ok: false };
    attempts.push(attempt);
    if (/<unfinished \.\.\.>\s*$/.test(rest)) pending.set(pid, { attempt });
    else applyResult(attempt, rest);
  }
  return attempts;
}

function applyResult(attempt: BindAttempt, text: string): void {
  const result = RESULT.exec(text);
  if (!result || result[1] === '?') return;
  attempt.ok = Number(result[1]) >= 0;
  if (!attempt.ok && result[2]) attempt.errno = result[2];
}

function decodeAddress(call: string): Pick<BindAttempt, 'family' | 'host' | 'port'> {
  const family = /sa_family=(AF_[A-Z0-9]+)/.exec(call)?.[1];
  if (family === 'AF_INET') {
    return {
      family: 'inet',
      ...optional('host', /sin_addr=inet_addr\("([^"]*)"\)/.exec(call)?.[1]),
      ...optionalPort(/sin_port=htons\((\d+)\)/.exec(call)?.[1]),
    };
  }
  if (family === 'AF_INET6') {
    return {
      family: 'inet6',
      ...optional('host', /inet_pton\(AF_INET6,\s*"([^"]*)"/.exec(call)?.[1]),
      ...optionalPort(/sin6_port=htons\((\d+)\)/.exec(call)?.[1]),
    };
  }
  if (family === 'AF_UNIX' || family === 'AF_LOCAL') {
    // sun_path="/run/x.sock" or sun_path=@"abstract\0\0..." (strace pads abstract names with \0).
    const path = /sun_path=(@?)"((?:[^"\\]|\\.)*)"/.exec(call);
    return { family: 'unix', ...optional('host', path ? `${path[1]}${path[2]!.replace(/(?:\\0)+$/, '')}` : undefined) };
  }
  return { family: 'other' };
}

const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));
const optionalPort = (value: string | undefined) => (value === undefined ? {} : { port: Number(value) });

/**
 * An epoch time (strace's clock) on the harness's monotonic performance.now() scale. Exact but
 * for wall-clock adjustments since this process started (performance.timeOrigin is the wall
 * clock at start): NTP slewing moves it at most 0.05%, i.e. <= 0.5 ms per second elapsed, so
 * well under a millisecond for a check that takes seconds; a clock step (settimeofday, a VM
 * resume) makes it wrong by the step.
 */
export function epochToMonotonic(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}
