/**
 * Lock and pid artefacts on disk (CRASH-4): where to look, what counts as one, and what ties one
 * to a candidate. Real builds leave `x.lock.sqlite` several levels deep in their state dir, lock
 * directories in their TMPDIR, and JSON lock files naming their pid in a hard-coded
 * `/tmp/<name>-<uid>/`; users put TMPDIR, HOME and state dirs anywhere (a CI runner's TMPDIR is
 * often a few levels below /tmp); and on a shared host other programs and harness runs write there too.
 */
import { closeSync, constants, fstatSync, openSync, readSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { isInside, type ArtefactStamp, type ScanRoot } from '../judge/crash.js';

/** A name is a lock artefact's when one of its components (split at . - _ etc.) is one of these. */
const LOCK_COMPONENTS = new Set(['lock', 'lck', 'pid', 'lockfile', 'pidfile']);

export function isLockArtefactName(name: string): boolean {
  return name.split(/[^A-Za-z0-9]+/).some((part) => LOCK_COMPONENTS.has(part.toLowerCase()));
}

export type { ArtefactStamp, ScanRoot } from '../judge/crash.js';

/** Directories never descended into: other programs' trees with many files of their own. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'proc', 'sys']);
const ENTRIES_PER_DIR = 5000;

function stampOf(path: string): ArtefactStamp | undefined {
  try {
    const stat = statSync(path);
    return { ino: stat.ino, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, directory: stat.isDirectory() };
  } catch {
    return undefined; // removed meanwhile, or never there
  }
}

/**
 * Lock artefacts below the roots, files and directories, with what identifies a change. Each root
 * is read to its own depth from itself, also where it lies inside another root that is read less
 * deep (a user's TMPDIR below /tmp is read as deep as a TMPDIR, whatever /tmp's depth).
 */
export function scanArtefacts(roots: ScanRoot[], skip: (path: string) => boolean = () => false): Map<string, ArtefactStamp> {
  const found = new Map<string, ArtefactStamp>();
  /** The most levels below each directory already read, so nested roots read nothing twice. */
  const readTo = new Map<string, number>();
  const visit = (dir: string, levelsLeft: number) => {
    if ((readTo.get(dir) ?? 0) >= levelsLeft) return;
    readTo.set(dir, levelsLeft);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).slice(0, ENTRIES_PER_DIR);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (skip(path)) continue;
      if (isLockArtefactName(entry.name) && (entry.isFile() || entry.isDirectory()) && !found.has(path)) {
        const stamp = stampOf(path);
        if (stamp) found.set(path, stamp);
      }
      if (entry.isDirectory() && levelsLeft > 1 && !SKIPPED_DIRS.has(entry.name)) visit(path, levelsLeft - 1);
    }
  };
  for (const root of roots) visit(root.path, root.depth);
  return found;
}

/** What is at each path now (paths that are gone are left out): held-open artefacts after the exit. */
export function stampPaths(paths: Iterable<string>): Map<string, ArtefactStamp> {
  const found = new Map<string, ArtefactStamp>();
  for (const path of paths) {
    const stamp = stampOf(path);
    if (stamp) found.set(path, stamp);
  }
  return found;
}

/** The first `bytes` bytes of a regular file as UTF-8; undefined for a directory or what cannot be read. */
export function readHead(path: string, bytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0)).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Paths with a lock artefact's name that the processes hold open, wherever they are, and by which pid. */
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

/** The environment of a running process, from /proc/<pid>/environ (empty when unreadable). */
export function environOf(pid: number): Map<string, string> {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return new Map();
  }
  return new Map(
    raw
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** How deep a place named by the environment is read: temp and state dirs as deep as openclaw's state locks lie. */
const ENV_PLACE_DEPTH = 4;
const HOME_DEPTH = 3;
/** Names of variables that say where a program keeps its files: state dirs, homes, XDG dirs. */
const PLACE_VARIABLE = /^(TMPDIR|TMP|TEMP|HOME|XDG_RUNTIME_DIR|XDG_[A-Z]+_HOME|[A-Z0-9_]+_STATE_DIR|[A-Z0-9_]+_HOME)$/;
/** System trees: a `JAVA_HOME=/usr/lib/jvm` names a program's files, not a gateway's state. */
const SYSTEM_TREES = ['/usr', '/etc', '/proc', '/sys', '/dev', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/snap'];

/**
 * The places an environment names for a process's files, each with the depth it is read to:
 * TMPDIR/TMP/TEMP, `*_STATE_DIR`, `*_HOME`, `XDG_*_HOME` and XDG_RUNTIME_DIR 4 levels, HOME 3
 * (HOME holds everything else of the user). Absolute paths only; never `/` or a system tree.
 */
export function placesInEnvironment(env: Map<string, string> | Record<string, string | undefined>): ScanRoot[] {
  const entries = env instanceof Map ? [...env] : Object.entries(env);
  const places: ScanRoot[] = [];
  for (const [name, value] of entries) {
    if (!value || !PLACE_VARIABLE.test(name) || !value.startsWith('/')) continue;
    const path = value.length > 1 ? value.replace(/\/+$/, '') : value;
    if (path === '/' || path === '' || SYSTEM_TREES.some((tree) => isInside(path, tree))) continue;
    places.push({ path, depth: name === 'HOME' ? HOME_DEPTH : ENV_PLACE_DEPTH });
  }
  return mergePlaces(places);
}

/** One root per path, at the deepest depth any rule gives it. */
export function mergePlaces(places: ScanRoot[]): ScanRoot[] {
  const deepest = new Map<string, number>();
  for (const { path, depth } of places) deepest.set(path, Math.max(depth, deepest.get(path) ?? 0));
  return [...deepest].map(([path, depth]) => ({ path, depth }));
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
