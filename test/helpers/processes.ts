/**
 * Spawns test processes in their own process group with stdout/stderr captured, and makes sure
 * every one of them is killed (SIGKILL to the whole group, by pgid) when the test that started it
 * ends: passed, failed or timed out.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Spawned {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly child: ChildProcess;
  /** performance.now() just before spawn(). */
  readonly spawnedAt: number;
  /** Resolves on the child's 'exit' event (use it for timing). */
  readonly exited: Promise<Exit>;
  /** Resolves when the child has exited AND its stdout/stderr are closed (use it for output). */
  readonly closed: Promise<Exit>;
  /** performance.now() at the 'exit' event, undefined while running. */
  exitedAt(): number | undefined;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first complete line of the stream matching regex; rejects on timeout or exit. */
  waitForLine(regex: RegExp, timeoutMs: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  /** Sends a signal to the process itself (not its group). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the whole process group. Safe to call repeatedly. */
  killGroup(): void;
}

/** Anything with an after hook: a node:test TestContext (t.after). */
export interface AfterHook {
  after(fn: () => unknown): void;
}

const live = new Set<Spawned>();

/**
 * Spawns argv[0] with argv[1..] (never through a shell) detached, stdin ignored, stdout and stderr
 * piped. With a test context, the process group is killed in t.after().
 */
export function spawnProcess(argv: readonly string[], options: { owner?: AfterHook; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Spawned {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('spawnProcess: empty argv');
  const spawnOptions: SpawnOptions = {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  };
  const spawnedAt = performance.now();
  const child = spawn(command, args, spawnOptions);
  if (child.pid === undefined) {
    // spawn failed synchronously enough to have no pid (ENOENT is reported via 'error').
    child.on('error', () => undefined);
    throw new Error(`could not spawn ${argv.join(' ')}`);
  }
  const pid = child.pid;
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.on('data', (chunk: string) => (output.stderr += chunk));

  let exitTime: number | undefined;
  let hasExited = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitTime = performance.now();
      hasExited = true;
      resolve({ code, signal });
    });
  });
  const closed = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  child.on('error', () => undefined);

  const spawned: Spawned = {
    pid,
    argv,
    child,
    spawnedAt,
    exited,
    closed,
    exitedAt: () => exitTime,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    signal: (signal) => {
      if (!hasExited) process.kill(pid, signal);
    },
    killGroup: () => {
      // Once the leader is reaped its pid may be reused: if /proc/<pid> exists again it is
      // someone else's process, and as long as a member of our group lives the pid is not reused.
      if (hasExited && existsSync(`/proc/${pid}`)) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
    waitForLine: (regex, timeoutMs, stream = 'stdout') =>
      new Promise((resolve, reject) => {
        const readable = stream === 'stdout' ? child.stdout : child.stderr;
        const check = (): boolean => {
          const text = output[stream];
          const complete = text.slice(0, text.lastIndexOf('\n') + 1);
          for (const line of complete.split('\n')) {
            const match = line.match(regex);
            if (match) {
              finish();
              resolve(match);
              return true;
            }
          }
          return false;
        };
        const onData = () => {
          // Our own 'data' listener above has already appended the chunk.
          check();
        };
        const onClose = () => {
          if (check()) return;
          finish();
          reject(new Error(`${describe(argv)} ended (${JSON.stringify(child.exitCode ?? child.signalCode)}) without a ${stream} line matching ${regex}${tails(output)}`));
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${stream} line matching ${regex} from ${describe(argv)} within ${timeoutMs} ms${tails(output)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          readable?.off('data', onData);
          child.off('close', onClose);
        };
        if (check()) return;
        readable?.on('data', onData);
        child.once('close', onClose);
      }),
  };
  live.add(spawned);
  void closed.then(() => {
    // Leader gone and pipes closed: nobody of the group holds our pipes any more.
    live.delete(spawned);
  });
  options.owner?.after(() => killAndWait(spawned));
  return spawned;
}

/** SIGKILL to the group, then wait (bounded) for the leader's exit. */
export async function killAndWait(spawned: Spawned, timeoutMs = 5000): Promise<Exit | undefined> {
  spawned.killGroup();
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    spawned.exited,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  live.delete(spawned);
  return result;
}

/** Kills every process group spawned through this module that may still be running. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((spawned) => killAndWait(spawned)));
}

// Last resort (uncaught error, process.exit): synchronous SIGKILL of every group still registered.
process.once('exit', () => {
  for (const spawned of live) {
    try {
      spawned.killGroup();
    } catch {
      // nothing more we can do while exiting
    }
  }
});

function describe(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w./:=@-]+$/.test(word) ? word : JSON.stringify(word))).join(' ');
}

function tails(output: { stdout: string; stderr: string }): string {
  return `\n--- stdout (tail) ---\n${output.stdout.slice(-1000)}\n--- stderr (tail) ---\n${output.stderr.slice(-1000)}`;
}
