/**
 * The reference gateway: a WebSocket endpoint whose listening socket is the single-instance lock.
 * The listener is bound first thing, exclusively, on loopback only; the OS releases it on any exit.
 */
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket, WebSocketServer } from 'ws';

export const DEFAULT_PORT = 18789;
export const HOST = '127.0.0.1';
/** Close code sent to clients on a graceful stop: 1001 "going away". */
export const CLOSE_GOING_AWAY = 1001;
/** How long clients get to answer the close frame before they are terminated. */
export const CLOSE_GRACE_MS = 250;

export class GatewayLockError extends Error {
  override readonly name = 'GatewayLockError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function gatewayUrl(port: number): string {
  return `ws://${HOST}:${port}`;
}

export interface GatewayHandle {
  readonly url: string;
  readonly port: number;
  /** Frees the port at once, then says goodbye to clients; resolves when every connection is gone. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  port?: number;
  /**
   * EADDRINUSE binds retried this many times, `bindRetryIntervalMs` apart, before the lock error
   * (openclaw-2026.9 documents 20 x 500 ms; 2025-12-11 none: the default).
   */
  bindRetries?: number;
  bindRetryIntervalMs?: number;
  /** Ends a wait between retries (the wait rejects with the signal's reason). */
  signal?: AbortSignal;
}

export async function startGateway(options: GatewayOptions = {}): Promise<GatewayHandle> {
  const port = options.port ?? DEFAULT_PORT;
  const url = gatewayUrl(port);
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('gateway: WebSocket upgrade required\n');
  });
  await bindWithRetries(server, port, url, options);

  // Loaded after the bind: the lock is taken before the slower part of startup.
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => socket.on('error', () => socket.terminate()));

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => (closing ??= closeGateway(server, wss)),
  };
}

async function bindWithRetries(server: Server, port: number, url: string, options: GatewayOptions): Promise<void> {
  for (let retry = 1; ; retry++) {
    try {
      return await bindExclusively(server, port, url);
    } catch (error) {
      const inUse = ((error as GatewayLockError).cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
      if (!inUse || retry > (options.bindRetries ?? 0)) throw error;
      await sleep(options.bindRetryIntervalMs ?? 0, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}

function bindExclusively(server: Server, port: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new GatewayLockError(`another gateway instance is already listening on ${url}`, { cause: error })
          : new GatewayLockError(`failed to bind gateway socket on ${url}: ${error.message}`, { cause: error }),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: HOST, port, exclusive: true });
  });
}

async function closeGateway(server: Server, wss: WebSocketServer): Promise<void> {
  // Listener first: the port is what other instances wait for.
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  const clients = [...wss.clients];
  await Promise.all(clients.map((client) => sayGoodbye(client)));
  wss.close();
  server.closeAllConnections();
  await serverClosed;
}

function sayGoodbye(client: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => client.terminate(), CLOSE_GRACE_MS);
    timer.unref();
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.close(CLOSE_GOING_AWAY, 'gateway shutting down');
  });
}
