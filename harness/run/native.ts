/**
 * The project's small C helpers (harness/native/*.c), compiled on first use with the system C
 * compiler and cached by the hash of their source (with the shared headers): a new harness version rebuilds, a second run
 * does not. Compiled into a temp name and renamed, so parallel runs never execute a half-written
 * binary.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { packagePath } from '../paths.js';

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gateway-lock-conformance');
}

const builds = new Map<string, Promise<string>>();

/** Compiles harness/native/<name>.c once per source version; resolves with the binary's path. */
export function buildNative(name: string): Promise<string> {
  let built = builds.get(name);
  if (!built) {
    built = (async () => {
      const sourcePath = packagePath(`harness/native/${name}.c`);
      // The headers beside it are part of its source (mirror.h is shared).
      const hash = createHash('sha256').update(readFileSync(sourcePath));
      for (const header of readdirSync(packagePath('harness/native')).filter((f) => f.endsWith('.h')).sort()) {
        hash.update(readFileSync(packagePath(`harness/native/${header}`)));
      }
      const digest = hash.digest('hex').slice(0, 16);
      const dir = cacheDir();
      const binary = join(dir, `${name}-${digest}`);
      if (existsSync(binary)) return binary;
      mkdirSync(dir, { recursive: true });
      const compiler = process.env.CC || 'cc';
      const partial = `${binary}.${process.pid}.tmp`;
      await $({ quiet: true })`${compiler} -O2 -o ${partial} ${sourcePath}`;
      renameSync(partial, binary);
      return binary;
    })();
    // A failed build is tried again next time (a compiler installed meanwhile).
    built.catch(() => builds.delete(name));
    builds.set(name, built);
  }
  return built;
}

/** The first line of a failed command's stderr, or of the error. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { stderr?: string }).stderr || error.message) : String(error);
  return text.trim().split('\n')[0] ?? 'unknown error';
}
