/** Probes of a port from outside: bind probe, LISTEN scan, WebSocket upgrade, TCP connect. */
import { createHash, randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
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
  /** Milliseconds from sending the request to the end of the answer's head. */
  roundTripMs?: number;
}

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD = 16 * 1024;

/**
 * One WebSocket opening handshake on a raw socket: 101 with the right Sec-WebSocket-Accept is
 * success. The probe closes first, so the harness leaves no TIME_WAIT on the gateway's port.
 */
export function websocketUpgrade(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<UpgradeResult> {
  return new Promise((resolve) => {
    const key = randomBytes(16).toString('base64');
    const socket = createConnection({ host, port });
    let head = '';
    let sentAt = 0;
    const finish = (result: UpgradeResult) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      // An HTTP server that refuses the upgrade often closes first, and its side would keep the
      // port in TIME_WAIT for 60 s (a gateway without SO_REUSEADDR could not bind it again): a
      // reset leaves no TIME_WAIT on either side, and HTTP servers take resets in their stride.
      // Anything else is closed gently, client first: a raw socket server may not survive a reset.
      if (result.status !== undefined && !result.ok && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no answer to the upgrade within ${Math.round(timeoutMs)} ms` }), timeoutMs);
    socket.once('connect', () => {
      sentAt = performance.now();
      const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n') && head.length < MAX_HEAD) return;
      const roundTripMs = performance.now() - sentAt;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
      if (!status) return finish({ ok: false, error: `not an HTTP answer: ${JSON.stringify(head.slice(0, 60))}`, roundTripMs });
      if (status !== 101) return finish({ ok: false, status, error: `answered HTTP ${status} instead of 101`, roundTripMs });
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      const expected = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
      if (accept !== expected) return finish({ ok: false, status, error: 'answered 101 with a wrong Sec-WebSocket-Accept', roundTripMs });
      finish({ ok: true, status, roundTripMs });
    });
    socket.once('end', () => finish({ ok: false, error: 'the connection closed without an answer' }));
    socket.once('error', (error) => finish({ ok: false, error: error.message }));
  });
}

const UPGRADE_RETRY_MS = 25;

/**
 * Repeats the upgrade until it succeeds (or, with `anyAnswer`, until any HTTP answer comes), the
 * budget ends or `giveUp` says so: a gateway may bind before it attaches its WebSocket server.
 * Resolves with the last attempt.
 */
export async function upgradeWithin(
  port: number,
  budgetMs: number,
  options: { anyAnswer?: boolean; host?: string; giveUp?: () => boolean } = {},
): Promise<UpgradeResult> {
  const deadline = performance.now() + budgetMs;
  for (;;) {
    const left = deadline - performance.now();
    const result = await websocketUpgrade(port, Math.max(50, Math.min(2000, left)), options.host);
    const answered = result.ok || (options.anyAnswer && result.status !== undefined);
    if (answered || options.giveUp?.() || performance.now() + UPGRADE_RETRY_MS >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, UPGRADE_RETRY_MS));
  }
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
