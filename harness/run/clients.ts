/** WebSocket clients held open against a gateway, recording how each connection ended. */
import { createConnection, type Socket } from 'node:net';
import WebSocket from 'ws';

const RETRY_MS = 50;

export interface ClientEnd {
  /** WebSocket close code: 1006 when the connection ended without a close frame. */
  code: number;
}

export class ClientGroup {
  readonly ends: Promise<ClientEnd>[] = [];
  private readonly sockets: (WebSocket | Socket)[] = [];
  /** Whether the clients are WebSocket clients (false: plain TCP connections, upgrade refused). */
  websocket = true;

  /**
   * Opens `count` WebSocket clients, retrying for `patienceMs` (a gateway may attach its
   * WebSocket server a moment after it starts answering), else plain TCP connections.
   */
  static async connect(host: string, port: number, count: number, timeoutMs: number, patienceMs: number): Promise<ClientGroup> {
    const deadline = performance.now() + patienceMs;
    for (;;) {
      const group = new ClientGroup();
      const opened = await Promise.all(Array.from({ length: count }, () => group.openWebSocket(host, port, timeoutMs)));
      if (opened.every(Boolean)) return group;
      group.close();
      if (performance.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    const tcp = new ClientGroup();
    tcp.websocket = false;
    await Promise.all(Array.from({ length: count }, () => tcp.openTcp(host, port, timeoutMs)));
    return tcp;
  }

  private connected = 0;

  /** Clients that connected. */
  get size(): number {
    return this.connected;
  }

  private openWebSocket(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new WebSocket(`ws://${host.includes(':') ? `[${host}]` : host}:${port}/`, { handshakeTimeout: timeoutMs });
      socket.on('error', () => resolve(false));
      this.sockets.push(socket);
      this.ends.push(new Promise((end) => socket.once('close', (code) => end({ code }))));
      socket.once('open', () => {
        this.connected++;
        resolve(true);
      });
    });
  }

  private openTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host, port, timeout: timeoutMs });
      socket.on('error', () => resolve(false));
      socket.once('timeout', () => resolve(false));
      this.sockets.push(socket);
      this.ends.push(new Promise((end) => socket.once('close', () => end({ code: 1006 }))));
      socket.once('connect', () => {
        socket.setTimeout(0);
        this.connected++;
        resolve(true);
      });
    });
  }

  close(): void {
    for (const socket of this.sockets) {
      if (socket instanceof WebSocket) socket.terminate();
      else socket.destroy();
    }
  }
}
