/**
 * Lock and pid artefacts on disk (CRASH-4): where to look, what counts as one, and what ties one
 * to a candidate. Real builds leave `x.lock.sqlite` several levels deep in their state dir, lock
 * directories in their TMPDIR, and JSON lock files naming their pid in a hard-coded
 * `/tmp/<name>-<uid>/`; on a shared host other programs and other harness runs write there too.
 */
import { closeSync, openSync, readSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';

/** A name is a lock artefact's when one of its components (split at . - _ etc.) is one of these. */
const LOCK_COMPONENTS = new Set(['lock', 'lck', 'pid', 'lockfile', 'pidfile']);

export function isLockArtefactName(name: string): boolean {
  return name.split(/[^A-Za-z0-9]+/).some((part) => LOCK_COMPONENTS.has(part.toLowerCase()));
}

export type { ArtefactStamp } from '../judge/crash.js';
import type { ArtefactStamp } from '../judge/crash.js';

export interface ScanRoot {
  path: string;
  /** Levels below the root that are read (1: the root's own entries). */
  depth: number;
}

/** Directories never descended into: other programs' trees with many files of their own. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'proc', 'sys']);
const ENTRIES_PER_DIR = 5000;

/** Lock artefacts below the roots, files and directories, with what identifies a change. */
export function scanArtefacts(roots: ScanRoot[], skip: (path: string) => boolean = () => false): Map<string, ArtefactStamp> {
  const found = new Map<string, ArtefactStamp>();
  const visit = (dir: string, level: number, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).slice(0, ENTRIES_PER_DIR);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (skip(path)) continue;
      if (isLockArtefactName(entry.name) && (entry.isFile() || entry.isDirectory())) {
        try {
          const stat = statSync(path);
          found.set(path, { ino: stat.ino, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, directory: stat.isDirectory() });
        } catch {
          // Removed meanwhile.
        }
      }
      if (entry.isDirectory() && level < depth && !SKIPPED_DIRS.has(entry.name)) visit(path, level + 1, depth);
    }
  };
  for (const root of roots) visit(root.path, 1, root.depth);
  return found;
}

/** Paths with a lock artefact's name that the processes hold open. */
export function heldArtefacts(pids: Iterable<number>): Map<string, number> {
  const held = new Map<string, number>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith(sep) && isLockArtefactName(basename(target))) held.set(target.replace(/ \(deleted\)$/, ''), pid);
      } catch {
        // Closed between readdir and readlink.
      }
    }
  }
  return held;
}

/** TMPDIR and HOME of a running process, from /proc/<pid>/environ. */
export function tempAndHome(pid: number): { tmpdir?: string; home?: string } {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return {};
  }
  const env = new Map(raw.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return { ...(env.get('TMPDIR') ? { tmpdir: env.get('TMPDIR')! } : {}), ...(env.get('HOME') ? { home: env.get('HOME')! } : {}) };
}

const CONTENT_BYTES = 4096;

/** The pid among `pids` that the artefact names, in its file name or in its first 4 KiB. */
export function namedPid(path: string, pids: number[]): number | undefined {
  const names = (text: string) => pids.find((pid) => new RegExp(`(^|\\D)${pid}(\\D|$)`).test(text));
  const inName = names(basename(path));
  if (inName !== undefined) return inName;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(CONTENT_BYTES);
    const n = readSync(fd, buffer, 0, CONTENT_BYTES, 0);
    return names(buffer.toString('latin1', 0, n));
  } catch {
    return undefined; // a directory, or gone
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export { isInside } from '../judge/crash.js';
