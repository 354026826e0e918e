/**
 * Fault injection for BINDFAIL-1: the seccomp launcher harness/native/bind-errno.c, compiled on
 * first use with the system C compiler and cached by the hash of its source. It fails only the
 * inet binds of the port under test (seccomp user notification reads each bind's sockaddr), so a
 * gateway's listen(0) probe, side ports and IPC sockets work as they would without it.
 */
import { createServer, type AddressInfo } from 'node:net';
import { $ } from 'zx';
import { buildNative, firstLine } from '../run/native.js';

export type InjectedErrno = 'EACCES' | 'EADDRNOTAVAIL';

export interface Injector {
  /** Words to put before the candidate argv: its binds of `port` (IPv4 or IPv6) fail with `errno`. */
  launcher(errno: InjectedErrno, port: number): string[];
  method: string;
}

/** Set to a file path in the candidate's env: the launcher appends a line per injected failure. */
export const BIND_ERRNO_LOG_ENV = 'BIND_ERRNO_LOG';

/** Compiles the launcher once per source version; resolves with its path. */
export function buildLauncher(): Promise<string> {
  return buildNative('bind-errno');
}

let proven: Promise<Injector> | undefined;

/**
 * The seccomp launcher, proven to work on this machine (once per process); the reason as an
 * Error otherwise.
 */
export function seccompInjector(): Promise<Injector> {
  return (proven ??= prove());
}

async function prove(): Promise<Injector> {
  let binary: string;
  try {
    binary = await buildLauncher();
  } catch (error) {
    throw new Error(`the seccomp launcher could not be compiled (${firstLine(error)})`);
  }
  // The check binds 127.0.0.1:0 (must pass through) and 127.0.0.1:port, [::1]:port (must fail):
  // a port nobody holds, so that a pass-through bug shows as a success, not as EADDRINUSE.
  const port = await freePort();
  for (const errno of ['EACCES', 'EADDRNOTAVAIL'] as const) {
    const check = await $({ quiet: true, nothrow: true })`${binary} --check ${errno} ${String(port)}`;
    if (check.stdout.trim() !== 'ok') {
      throw new Error(`seccomp injection does not work here: ${check.stderr.trim() || `exit ${check.exitCode}`}`);
    }
  }
  return {
    method: 'seccomp user notification (binds of port P only)',
    launcher: (errno, port) => [binary, errno, String(port)],
  };
}

/** A port free on 127.0.0.1 a moment ago (bound to port 0, then closed). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
