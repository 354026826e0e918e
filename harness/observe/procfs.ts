/** Reads of /proc: LISTEN sockets, socket owners, process identity and trees. Linux only. */
import { closeSync, openSync, readFileSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import type { SockDiag } from './sock-diag.js';

export const TCP_LISTEN = '0A';
/** The kernel's TCP states as /proc/net/tcp writes them (hex), by name. */
export const TCP_STATE_NAMES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

export interface ListenSocket {
  inode: number;
  /** Printable local address: `127.0.0.1:P`, `[::]:P`. */
  address: string;
  host: string;
  port: number;
  family: 4 | 6;
  state: string;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Session id: a process that called setsid() (a daemon) has its own. */
  session: number;
  state: string;
  /** Clock ticks since boot: (pid, startTime) identifies a process across pid reuse. */
  startTime: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const LISTEN_READ_BYTES = 4096;
const listenReadBuffer = Buffer.alloc(LISTEN_READ_BYTES);

/**
 * The leading LISTEN part of /proc/net/tcp{,6}, header included. The kernel writes its listening
 * sockets first, then walks every bucket of its established-connection table, which costs about
 * a millisecond per file however few sockets there are: reading stops at the first line in
 * another state. Only complete lines are kept.
 */
function readListenPart(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    let text = '';
    for (;;) {
      const n = readSync(fd, listenReadBuffer, 0, LISTEN_READ_BYTES, null);
      if (n === 0) break;
      text += listenReadBuffer.toString('latin1', 0, n);
      // LISTEN lines are contiguous, so the last complete line tells whether they have ended.
      const complete = text.slice(0, text.lastIndexOf('\n'));
      const lastStart = complete.lastIndexOf('\n');
      if (lastStart >= 0 && complete.slice(lastStart + 1).trim().split(/\s+/)[3] !== TCP_LISTEN) break;
    }
    return text.slice(0, text.lastIndexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

function ipv4FromHex(hex: string): string {
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

/** /proc/net/tcp6 prints four 32-bit words, each in host (little-endian) byte order. */
function ipv6FromHex(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const w = hex.slice(word * 8, word * 8 + 8);
    for (const i of [6, 4, 2, 0]) bytes.push(parseInt(w.slice(i, i + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

function parseTable(text: string, family: 4 | 6): ListenSocket[] {
  const sockets: ListenSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [hexAddress, hexPort] = fields[1]!.split(':');
    const host = family === 4 ? ipv4FromHex(hexAddress!) : ipv6FromHex(hexAddress!);
    const port = parseInt(hexPort!, 16);
    sockets.push({
      inode: Number(fields[9]),
      host,
      port,
      family,
      state: fields[3]!,
      address: family === 4 ? `${host}:${port}` : `[${host}]:${port}`,
    });
  }
  return sockets;
}

/** The sock_diag helper, once the run has started it (sock-diag.ts); undefined: /proc is read. */
let sockDiag: SockDiag | undefined;

/** Asks `helper` from now on for the sockets on a port, /proc where it fails (undefined: /proc). */
export function useSockDiag(helper: SockDiag | undefined): void {
  sockDiag = helper;
}

function askSockDiag(mode: 'listen' | 'all', ports: number[]): ListenSocket[] | undefined {
  const lines = sockDiag?.query(mode, ports);
  if (!lines) return undefined;
  return lines.map(({ family, state, inode, host, port }) => ({ inode, host, port, family, state, address: family === 4 ? `${host}:${port}` : `[${host}]:${port}` }));
}

/** Every TCP socket whose local port is one of `ports`, in any state (TIME_WAIT ones have inode 0). */
export function tcpSocketsOnPorts(ports: number[]): ListenSocket[] {
  return askSockDiag('all', ports) ?? tcpTables((path) => readText(path) ?? '').filter((s) => ports.includes(s.port));
}

function tcpTables(read: (path: string) => string): ListenSocket[] {
  return [...parseTable(read('/proc/net/tcp'), 4), ...parseTable(read('/proc/net/tcp6'), 6)];
}

export const tcpSocketsOnPort = (port: number): ListenSocket[] => tcpSocketsOnPorts([port]);

export function listenSocketsOnPort(port: number): ListenSocket[] {
  return askSockDiag('listen', [port]) ?? tcpTables(readListenPart).filter((s) => s.port === port && s.state === TCP_LISTEN);
}


export function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    session: Number(fields[3]),
    startTime: Number(fields[19]),
  };
}

/**
 * Whether the process still exists as more than a reaped-to-be zombie. A thread-group leader
 * shows state Z while its other threads are still exiting and holding its files, so a zombie
 * counts as alive until it is the last task of its group.
 */
export function isAlive(pid: number, startTime?: number): boolean {
  const info = readProcess(pid);
  if (!info) return false;
  if (startTime !== undefined && info.startTime !== startTime) return false;
  if (info.state !== 'Z' && info.state !== 'X') return true;
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

export function commandLine(pid: number): string {
  const raw = readText(`/proc/${pid}/cmdline`);
  if (raw === undefined) return '(gone)';
  return raw.replace(/\0+$/, '').split('\0').join(' ') || `[${readProcess(pid)?.state ?? '?'}]`;
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

export function allProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const pid of allPids()) {
    const info = readProcess(pid);
    if (info) out.push(info);
  }
  return out;
}

/** Processes in process group `pgid` or descended from `rootPid`, the root included while alive. */
export function processFamily(rootPid: number, pgid: number, snapshot = allProcesses()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of snapshot) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const family = new Map<number, ProcessInfo>();
  for (const p of snapshot) if (p.pgid === pgid) family.set(p.pid, p);
  const queue = snapshot.filter((p) => p.pid === rootPid || p.pgid === pgid);
  while (queue.length > 0) {
    const p = queue.pop()!;
    family.set(p.pid, p);
    for (const child of children.get(p.pid) ?? []) if (!family.has(child.pid)) queue.push(child);
  }
  return [...family.values()].filter((p) => p.state !== 'Z' && p.state !== 'X');
}

/** The socket inodes that process `pid` holds open. */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(Number(match[1]));
    } catch {
      // The fd closed between readdir and readlink.
    }
  }
  return inodes;
}

/** pid -> the given inodes it holds; searches `pids`, or every process when omitted. */
export function holdersOf(inodes: Iterable<number>, pids: Iterable<number> = allPids()): Map<number, number[]> {
  const wanted = new Set(inodes);
  const holders = new Map<number, number[]>();
  if (wanted.size === 0) return holders;
  for (const pid of pids) {
    const held = [...socketInodes(pid)].filter((inode) => wanted.has(inode));
    if (held.length > 0) holders.set(pid, held);
  }
  return holders;
}
