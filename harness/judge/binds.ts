/** Pure descriptions of traced bind() calls: what criteria and evidence say about them. */

export interface BindAttempt {
  /** The calling process (thread) id, as strace saw it. */
  pid: number;
  /** Wall-clock time of the call's entry, epoch milliseconds (microsecond resolution). */
  atEpochMs: number;
  family: 'inet' | 'inet6' | 'unix' | 'other';
  /** IP address as written ("127.0.0.1", "::1"), or the unix path ("@name" when abstract). */
  host?: string;
  port?: number;
  /** False for a failure, and for a call whose result the trace does not show (killed in it). */
  ok: boolean;
  /** "EADDRINUSE", for a failure with a known errno. */
  errno?: string;
}

/** How the traced process ended, for describeBindAttempts. */
export interface TracedExit {
  code?: number | null;
  signal?: string | null;
  atEpochMs?: number;
}

/** The inet and inet6 binds of `port`. */
export function bindsOnPort(attempts: BindAttempt[], port: number): BindAttempt[] {
  return attempts.filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.port === port);
}

/** "127.0.0.1:43210", "[::1]:43210". */
export function bindAddress(attempt: BindAttempt): string {
  const host = attempt.host ?? '?';
  return attempt.family === 'inet6' ? `[${host}]:${attempt.port}` : `${host}:${attempt.port}`;
}

/**
 * What the trace shows of `port`, in one line: "20 binds of 127.0.0.1:43210 failed with
 * EADDRINUSE over 9.6 s, exit 1 0.3 s after the last". `exit` adds how the process ended and,
 * with its time, how long after the last bind of the port.
 */
export function describeBindAttempts(attempts: BindAttempt[], port: number, exit?: TracedExit): string {
  const onPort = bindsOnPort(attempts, port);
  const ending = describeEnding(onPort, exit);
  if (onPort.length === 0) return `no bind() of port ${port} seen${ending}`;
  const failed = onPort.filter((a) => !a.ok);
  const succeeded = onPort.length - failed.length;
  if (failed.length === 0) return `${count(succeeded, 'bind')} of ${addresses(onPort)} succeeded${ending}`;
  const errnos = [...new Set(failed.map((a) => a.errno ?? 'an unknown result'))].join('/');
  const span = failed.length > 1 ? ` over ${seconds(failed.at(-1)!.atEpochMs - failed[0]!.atEpochMs)}` : '';
  const also = succeeded > 0 ? `; ${succeeded} succeeded` : '';
  return `${count(failed.length, 'bind')} of ${addresses(failed)} failed with ${errnos}${span}${also}${ending}`;
}

function describeEnding(onPort: BindAttempt[], exit: TracedExit | undefined): string {
  if (!exit) return '';
  const how = exit.signal ? `killed by ${exit.signal}` : exit.code !== undefined && exit.code !== null ? `exit ${exit.code}` : 'exit';
  const last = onPort.at(-1);
  const after = last && exit.atEpochMs !== undefined ? ` ${seconds(exit.atEpochMs - last.atEpochMs)} after the last` : '';
  return `, ${how}${after}`;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const addresses = (attempts: BindAttempt[]) => [...new Set(attempts.map(bindAddress))].join(', ');
const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
