/**
 * Small network helpers for the tests and the bench: a free port outside the kernel's ephemeral
 * range, a plain bind probe, and a batch of WebSocket clients that remember their close codes.
 * Loopback only.
 */
import net from 'node:net';
import getPort, { portNumbers } from 'get-port';
import WebSocket from 'ws';

/** Ports the tests pick from: below the ephemeral range (32768-60999), never the default 18789. */
export const TEST_PORT_MIN = 20000;
export const TEST_PORT_MAX = 32767;

/**
 * A port that is free right now on every local address, from 20000-32767, starting the search at a
 * random port so that parallel test files rarely ask for the same one.
 */
export async function freePort(): Promise<number> {
  const start = TEST_PORT_MIN + Math.floor(Math.random() * (TEST_PORT_MAX - TEST_PORT_MIN + 1));
  const candidates = function* (): Generator<number> {
    yield* portNumbers(start, TEST_PORT_MAX);
    if (start > TEST_PORT_MIN) yield* portNumbers(TEST_PORT_MIN, start - 1);
  };
  const port = await getPort({ port: candidates(), exclude: [18789] });
  // get-port falls back to an ephemeral port when the whole range is taken: refuse that.
  if (port < TEST_PORT_MIN || port > TEST_PORT_MAX) {
    throw new Error(`no free port in ${TEST_PORT_MIN}-${TEST_PORT_MAX} (get-port offered ${port})`);
  }
  return port;
}

/**
 * Bind probe: a plain listener (no SO_REUSEPORT) on 127.0.0.1:port, closed at once.
 * true if the bind succeeded, false on EADDRINUSE; any other error is thrown.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

export interface Clients {
  readonly sockets: WebSocket[];
  /** Close code per client, in connection order; undefined while a client is still open. */
  readonly codes: (number | undefined)[];
  /** Resolves with every close code once all clients are closed; rejects after timeoutMs. */
  allClosed(timeoutMs: number): Promise<number[]>;
  /** Ends every client at once (cleanup). */
  terminate(): void;
}

/** Opens n WebSocket clients to url; resolves when all are open, rejects if one fails first. */
export function connectClients(url: string, n: number, timeoutMs = 10_000): Promise<Clients> {
  const sockets: WebSocket[] = [];
  const codes: (number | undefined)[] = new Array(n).fill(undefined);
  const closed: Promise<void>[] = [];
  const terminate = () => {
    for (const socket of sockets) socket.terminate();
  };
  const opened: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const socket = new WebSocket(url);
    sockets.push(socket);
    // Errors after open (ECONNRESET on a killed server) end in 'close' with 1006; keep them quiet.
    socket.on('error', () => undefined);
    closed.push(
      new Promise((resolve) =>
        socket.once('close', (code) => {
          codes[i] = code;
          resolve();
        }),
      ),
    );
    opened.push(
      new Promise((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('close', (code) => reject(new Error(`client ${i} closed (${code}) before it opened`)));
      }),
    );
  }
  const clients: Clients = {
    sockets,
    codes,
    terminate,
    allClosed: (ms) =>
      withTimeout(Promise.all(closed), ms, () => {
        const open = codes.filter((code) => code === undefined).length;
        return `${open} of ${n} clients still open after ${ms} ms`;
      }).then(() => codes.map((code) => code as number)),
  };
  return withTimeout(Promise.all(opened), timeoutMs, () => `clients not all open after ${timeoutMs} ms`).then(
    () => clients,
    (error: unknown) => {
      terminate();
      throw error;
    },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
