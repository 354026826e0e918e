/** Probes of a port from outside: bind probe, LISTEN scan, WebSocket upgrade, TCP connect. */
import { createConnection, createServer } from 'node:net';
import WebSocket from 'ws';
import { commandLine, holdersOf, listenSocketsOnPort } from './procfs.js';
import type { PortHolder } from '../report.js';

/**
 * A plain bind probe: an exclusive listener (SO_REUSEADDR as Node sets it, no SO_REUSEPORT) on
 * `host:port`, closed at once. True when the bind succeeded.
 */
export function bindProbe(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortState {
  free: boolean;
  bindable: boolean;
  listeners: PortHolder[];
}

/** Who holds a LISTEN socket on `port`, with pid and command line (pid -1 when no owner is visible). */
export function portHolders(port: number, pids?: Iterable<number>): PortHolder[] {
  const sockets = listenSocketsOnPort(port);
  if (sockets.length === 0) return [];
  const owners = holdersOf(
    sockets.map((s) => s.inode),
    pids,
  );
  const byInode = new Map<number, number[]>();
  for (const [pid, inodes] of owners) {
    for (const inode of inodes) byInode.set(inode, [...(byInode.get(inode) ?? []), pid]);
  }
  return sockets.flatMap((socket) => {
    const pidsHolding = byInode.get(socket.inode) ?? [-1];
    return pidsHolding.map((pid) => ({
      pid,
      cmdline: pid > 0 ? commandLine(pid) : '(not visible)',
      address: socket.address,
      inode: socket.inode,
    }));
  });
}

/** "Port free": the bind probe succeeds and no LISTEN socket on the port remains. */
export async function portState(port: number): Promise<PortState> {
  const bindable = await bindProbe(port);
  const listening = listenSocketsOnPort(port);
  if (bindable && listening.length === 0) return { free: true, bindable, listeners: [] };
  return { free: false, bindable, listeners: portHolders(port) };
}

export interface UpgradeResult {
  ok: boolean;
  /** HTTP status of the answer: 101 on success. */
  status?: number;
  error?: string;
}

export function websocketUpgrade(port: number, timeoutMs: number): Promise<UpgradeResult> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { handshakeTimeout: timeoutMs });
    const done = (result: UpgradeResult) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      resolve(result);
    };
    socket.once('upgrade', (res) => done({ ok: true, status: res.statusCode ?? 101 }));
    socket.once('unexpected-response', (_req, res) =>
      done({ ok: false, status: res.statusCode, error: `answered HTTP ${res.statusCode} instead of 101` }),
    );
    socket.once('error', (error) => done({ ok: false, error: error.message }));
  });
}

const UPGRADE_RETRY_MS = 25;

/**
 * Repeats the upgrade until it succeeds (or, with `anyAnswer`, until any HTTP answer comes) or
 * the budget ends: a gateway may bind before it attaches its WebSocket server. Resolves with
 * the last attempt.
 */
export async function upgradeWithin(port: number, budgetMs: number, anyAnswer = false): Promise<UpgradeResult> {
  const deadline = performance.now() + budgetMs;
  for (;;) {
    const left = deadline - performance.now();
    const result = await websocketUpgrade(port, Math.max(50, Math.min(2000, left)));
    if (result.ok || (anyAnswer && result.status !== undefined) || performance.now() + UPGRADE_RETRY_MS >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, UPGRADE_RETRY_MS));
  }
}

/** Milliseconds from sending a minimal HTTP request to the first byte of the answer; undefined if none. */
export function httpRoundTrip(port: number, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let sentAt = 0;
    const finish = (ms: number | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ms);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once('connect', () => {
      sentAt = performance.now();
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    socket.once('data', () => finish(performance.now() - sentAt));
    socket.once('error', () => finish(undefined));
    socket.once('end', () => finish(undefined));
  });
}

export function tcpConnect(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
