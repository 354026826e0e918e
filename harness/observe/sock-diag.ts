/**
 * The sock_diag helper (harness/native/sockdiag.c) kept running for the harness process, asked
 * synchronously: a request line written to one FIFO, the answer read from another with a
 * blocking read. Socket queries sit inside synchronous code paths (a census, a port probe), and
 * an answer takes microseconds where reading /proc/net/tcp{,6} takes 2-14 ms (procfs.ts).
 *
 * The helper opens both FIFOs read-write before it says "ready", so that the opens here never
 * block; holding no write end of the answers FIFO, a read here sees an end of file if the helper
 * dies, and the caller falls back to /proc. It dies with this process (PR_SET_PDEATHSIG) and is
 * killed by pid at exit.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SocketLine {
  family: 4 | 6;
  state: string;
  inode: number;
  host: string;
  port: number;
}

export interface SockDiag {
  /** The helper's process (it dies with this one, and is killed at exit). */
  readonly pid: number;
  /** The sockets on `ports` (LISTEN only, or in every state); undefined once the helper failed. */
  query(mode: 'listen' | 'all', ports: number[]): SocketLine[] | undefined;
}

const READY_TIMEOUT_MS = 5000;
/** The helper's MAX_PORTS. */
const MAX_PORTS = 64;
const ANSWER_END = '\n.\n';

/** Starts the helper at `binary`; undefined when it does not come up (the caller uses /proc). */
export async function startSockDiag(binary: string): Promise<SockDiag | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'glc-sockdiag-'));
  const child = spawn(binary, ['serve', dir, String(process.pid)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const killHelper = () => child.kill('SIGKILL');
  process.once('exit', killHelper);
  let ready = '';
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      ready += chunk.toString();
      if (ready.includes('ready\n')) settle(true);
    });
    child.once('exit', () => settle(false));
    child.once('error', () => settle(false));
  });
  let requests: number | undefined;
  let answers: number | undefined;
  try {
    if (started) {
      requests = openSync(join(dir, 'requests'), 'w');
      answers = openSync(join(dir, 'answers'), 'r');
    }
  } catch {
    // Both stay undefined or are closed below: /proc it is.
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  child.stdout.destroy();
  child.unref();
  if (requests === undefined || answers === undefined) {
    if (requests !== undefined) closeSync(requests);
    killHelper();
    return undefined;
  }
  const buffer = Buffer.alloc(1 << 16);
  let failed = false;
  return {
    pid: child.pid!,
    query(mode, ports) {
      // The helper takes up to 64 ports a request (one short line); more are /proc's.
      if (failed || ports.length > MAX_PORTS) return undefined;
      try {
        writeSync(requests!, `${mode} ${ports.join(' ')}\n`);
        let text = '';
        while (!(text === '.\n' || text.endsWith(ANSWER_END) || text === '!\n' || text.endsWith('\n!\n'))) {
          const n = readSync(answers!, buffer, 0, buffer.length, null);
          if (n === 0) throw new Error('the sock_diag helper ended');
          text += buffer.toString('latin1', 0, n);
        }
        if (text.endsWith('!\n')) throw new Error('the netlink request failed');
        return text
          .split('\n')
          .slice(0, -2)
          .map((line) => {
            const [family, state, inode, host, port] = line.split(' ');
            return { family: family === '6' ? 6 : 4, state: state!, inode: Number(inode), host: host!, port: Number(port) } as SocketLine;
          });
      } catch {
        failed = true;
        killHelper();
        closeSync(requests!);
        closeSync(answers!);
        return undefined;
      }
    },
  };
}
