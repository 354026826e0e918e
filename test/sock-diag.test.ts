/**
 * The sock_diag helper (harness/native/sockdiag.c, observe/sock-diag.ts) against /proc/net/tcp on
 * real sockets on loopback: the same sockets, described the same way, in every state the
 * harness asks about; and /proc again once the helper is gone.
 */
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { listenSocketsOnPort, tcpSocketsOnPort, useSockDiag, type ListenSocket } from '../harness/observe/procfs.js';
import { startSockDiag, type SockDiag } from '../harness/observe/sock-diag.js';
import { buildNative } from '../harness/run/native.js';
import { PortPool, type PortBlock } from '../harness/run/ports.js';

let helper: SockDiag;
/** Four ports of our own (a block), for each test. */
let block: PortBlock;
let spare: PortBlock;
let third: PortBlock;

before(async () => {
  const started = await startSockDiag(await buildNative('sockdiag'));
  assert.ok(started, 'the helper starts');
  helper = started;
  const pool = new PortPool();
  [block, spare, third] = [await pool.reserve(), await pool.reserve(), await pool.reserve()];
});

after(() => {
  useSockDiag(undefined);
  for (const b of [block, spare, third]) b.release();
});

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.end());
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));
const sorted = (sockets: ListenSocket[]) => [...sockets].sort((a, b) => a.address.localeCompare(b.address) || a.state.localeCompare(b.state) || a.inode - b.inode);

/** What procfs answers for `port`, through the helper and through /proc. */
function bothWays(query: (port: number) => ListenSocket[], port: number): { helper: ListenSocket[]; proc: ListenSocket[] } {
  useSockDiag(helper);
  const fromHelper = sorted(query(port));
  useSockDiag(undefined);
  return { helper: fromHelper, proc: sorted(query(port)) };
}

test('LISTEN sockets on 127.0.0.1, [::1], [::] and ::ffff:127.0.0.1: the helper and /proc agree', async () => {
  const hosts = ['127.0.0.1', '::1', '::', '::ffff:127.0.0.1'];
  const servers = await Promise.all(hosts.map((host, i) => listen(block.port + i, host)));
  try {
    for (const [i, host] of hosts.entries()) {
      const { helper: fromHelper, proc } = bothWays(listenSocketsOnPort, block.port + i);
      assert.equal(proc.length, 1, `${host}: one listener in /proc`);
      assert.deepEqual(fromHelper, proc, host);
    }
  } finally {
    await Promise.all(servers.map(close));
  }
});

test('every state on a port (LISTEN, ESTABLISHED, then TIME_WAIT once the server closed first): the helper and /proc agree', async () => {
  const port = spare.port;
  const server = await listen(port, '127.0.0.1');
  const client: Socket = createConnection({ host: '127.0.0.1', port });
  await new Promise((resolve) => client.once('connect', resolve));
  const established = bothWays(tcpSocketsOnPort, port);
  assert.deepEqual(established.proc.map((s) => s.state).sort(), ['01', '0A'], 'LISTEN and the accepted ESTABLISHED socket in /proc');
  assert.deepEqual(established.helper, established.proc);
  // The server ends the connection (createServer's s.end()): its side goes to TIME_WAIT on P.
  await new Promise((resolve) => client.once('end', resolve));
  client.destroy();
  await close(server);
  const timeWait = bothWays(tcpSocketsOnPort, port);
  assert.ok(timeWait.proc.some((s) => s.state === '06'), 'a TIME_WAIT socket on P in /proc');
  assert.deepEqual(timeWait.helper, timeWait.proc);
});

test('once the helper is gone, queries fall back to /proc', async () => {
  const port = third.port;
  const server = await listen(port, '127.0.0.1');
  try {
    process.kill(helper.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(helper.query('listen', [port]), undefined, 'the helper answers nothing');
    useSockDiag(helper);
    assert.deepEqual(listenSocketsOnPort(port).map((s) => s.address), [`127.0.0.1:${port}`]);
  } finally {
    await close(server);
  }
});
