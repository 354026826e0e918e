/**
 * Port reservations. Each check gets a block of 4 ports (P..P+3: real builds open side listeners
 * on P+2, P+3), below the kernel's ephemeral range so that no outgoing connection can take P as
 * its local port while a slow gateway starts. A block is locked across processes with an
 * abstract unix socket, so parallel harness runs on one host never share a port.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import getPort from 'get-port';
import { tcpSocketsOnPorts } from '../observe/procfs.js';

export const DEFAULT_GATEWAY_PORT = 18789;
export const BLOCK_SIZE = 4;
const LOWEST_PORT = 20000;

export class HostLock {
  private constructor(private readonly server: Server) {}

  /** Takes the named host-wide lock, or resolves undefined when another process holds it. */
  static take(name: string): Promise<HostLock | undefined> {
    return new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen({ path: `\0gateway-lock-conformance/${name}` }, () => {
        server.unref();
        resolve(new HostLock(server));
      });
    });
  }

  /** Takes the lock, waiting while another process holds it, for at most `budgetMs`. */
  static async waitFor(name: string, budgetMs: number): Promise<HostLock | undefined> {
    const deadline = performance.now() + budgetMs;
    for (;;) {
      const lock = await HostLock.take(name);
      if (lock || performance.now() >= deadline) return lock;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  release(): void {
    this.server.close();
  }
}

/** The host-wide turn on port 18789: BIND-2, and anything else that binds the default port. */
export const waitForDefaultPort = (budgetMs: number): Promise<HostLock | undefined> =>
  HostLock.waitFor(`port/${DEFAULT_GATEWAY_PORT}`, budgetMs);

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) || 32768;
  } catch {
    return 32768;
  }
}

/** No socket at all on any of the ports (TIME_WAIT counts: a gateway without SO_REUSEADDR could not bind). */
async function allUnused(ports: number[]): Promise<boolean> {
  if (tcpSocketsOnPorts(ports).length > 0) return false;
  for (const port of ports) if ((await getPort({ port })) !== port) return false;
  return true;
}

export interface PortBlock {
  port: number;
  release(): void;
}

export class PortPool {
  /** Ports handed out once are never handed out again in this run. */
  private readonly used = new Set<number>();
  private readonly blocks: number;
  private readonly firstBlock: number;

  constructor() {
    const high = Math.min(ephemeralLow(), 32768) - BLOCK_SIZE;
    this.firstBlock = Math.ceil(LOWEST_PORT / BLOCK_SIZE);
    this.blocks = Math.floor(high / BLOCK_SIZE) - this.firstBlock;
  }

  async reserve(): Promise<PortBlock> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = (this.firstBlock + Math.floor(Math.random() * this.blocks)) * BLOCK_SIZE;
      if (this.used.has(port) || overlapsDefault(port)) continue;
      const lock = await HostLock.take(`port/${port}`);
      if (!lock) continue;
      const ports = Array.from({ length: BLOCK_SIZE }, (_, i) => port + i);
      if (await allUnused(ports)) {
        this.used.add(port);
        return { port, release: () => lock.release() };
      }
      lock.release();
    }
    throw new Error('could not reserve a free block of 4 loopback ports in 200 attempts');
  }
}

function overlapsDefault(port: number): boolean {
  return DEFAULT_GATEWAY_PORT >= port && DEFAULT_GATEWAY_PORT < port + BLOCK_SIZE;
}
