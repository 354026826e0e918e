/**
 * Fault injection for BINDFAIL-1: the seccomp launcher harness/native/bind-errno.c, compiled on
 * first use with the system C compiler and cached by the hash of its source.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { packagePath } from '../paths.js';

export type InjectedErrno = 'EACCES' | 'EADDRNOTAVAIL';

export interface Injector {
  /** Words to put before the candidate argv. */
  launcher(errno: InjectedErrno): string[];
  method: string;
}

const SOURCE = packagePath('harness/native/bind-errno.c');

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gateway-lock-conformance');
}

let built: Promise<string> | undefined;

/** Compiles the launcher once per source version; resolves with its path. */
export function buildLauncher(): Promise<string> {
  return (built ??= (async () => {
    const source = readFileSync(SOURCE);
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const dir = cacheDir();
    const binary = join(dir, `bind-errno-${hash}`);
    if (existsSync(binary)) return binary;
    mkdirSync(dir, { recursive: true });
    const compiler = process.env.CC || 'cc';
    const partial = `${binary}.${process.pid}.tmp`;
    await $({ quiet: true })`${compiler} -O2 -o ${partial} ${SOURCE}`;
    renameSync(partial, binary);
    return binary;
  })());
}

/** The seccomp launcher, proven to work on this machine; the reason as an Error otherwise. */
export async function seccompInjector(): Promise<Injector> {
  let binary: string;
  try {
    binary = await buildLauncher();
  } catch (error) {
    built = undefined;
    throw new Error(`the seccomp launcher could not be compiled (${firstLine(error)})`);
  }
  for (const errno of ['EACCES', 'EADDRNOTAVAIL'] as const) {
    const check = await $({ quiet: true, nothrow: true })`${binary} --check ${errno}`;
    if (check.stdout.trim() !== 'ok') {
      throw new Error(`seccomp injection does not work here: ${check.stderr.trim() || `exit ${check.exitCode}`}`);
    }
  }
  return { method: 'seccomp', launcher: (errno) => [binary, errno] };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { stderr?: string }).stderr || error.message) : String(error);
  return text.trim().split('\n')[0] ?? 'unknown error';
}
