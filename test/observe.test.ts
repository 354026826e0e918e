/** /proc observation, probes and port reservations, on real sockets on loopback. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { bindProbe, portHolders, portState, tcpConnect, websocketUpgrade } from '../harness/observe/probes.js';
import { isLoopbackHost } from '../harness/judge/bind.js';
import { commandLine, isAlive, listenSocketsOnPort, processFamily, allProcesses, readProcess, tcpSocketsOnPort } from '../harness/observe/procfs.js';
import { BLOCK_SIZE, HostLock, PortPool } from '../harness/run/ports.js';

function listen(port: number, host: string, options: { ipv6Only?: boolean } = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.destroy());
    server.once('error', reject);
    server.listen({ port, host, exclusive: true, ...options }, () => resolve(server));
  });
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

test('LISTEN sockets are found with their address and owner, IPv4 and IPv6', async () => {
  const block = await new PortPool().reserve();
  const servers = [await listen(block.port, '127.0.0.1'), await listen(block.port + 1, '::1'), await listen(block.port + 2, '::')];
  try {
    assert.deepEqual(listenSocketsOnPort(block.port).map((s) => s.address), [`127.0.0.1:${block.port}`]);
    assert.deepEqual(listenSocketsOnPort(block.port + 1).map((s) => s.address), [`[::1]:${block.port + 1}`]);
    assert.deepEqual(listenSocketsOnPort(block.port + 2).map((s) => s.address), [`[::]:${block.port + 2}`]);
    const holders = portHolders(block.port);
    assert.equal(holders.length, 1);
    assert.equal(holders[0]!.pid, process.pid);
    assert.match(holders[0]!.cmdline, /node/);
  } finally {
    await Promise.all(servers.map(close));
    block.release();
  }
});

test('the LISTEN scan reads past its first chunk and agrees with the whole table', async () => {
  // 80 listeners make the LISTEN part of /proc/net/tcp longer than one 4 KB read.
  const blocks = await Promise.all(Array.from({ length: 20 }, () => new PortPool().reserve()));
  const ports = blocks.flatMap((b) => [b.port, b.port + 1, b.port + 2, b.port + 3]);
  const servers = await Promise.all(ports.map((port) => listen(port, '127.0.0.1')));
  try {
    for (const port of ports) {
      const whole = tcpSocketsOnPort(port).filter((s) => s.state === '0A');
      assert.equal(whole.length, 1, `port ${port} in the whole table`);
      assert.deepEqual(listenSocketsOnPort(port), whole, `port ${port}`);
    }
  } finally {
    await Promise.all(servers.map(close));
    for (const block of blocks) block.release();
  }
});

test('port free: the bind probe and the LISTEN scan', async () => {
  const block = await new PortPool().reserve();
  try {
    assert.equal((await portState(block.port)).free, true);
    const server = await listen(block.port, '127.0.0.1');
    const held = await portState(block.port);
    assert.deepEqual([held.free, held.bindable, held.listeners[0]?.pid], [false, false, process.pid]);
    assert.equal(await tcpConnect(block.port, 1000), true);
    await close(server);
    // A listener on [::1] only leaves 127.0.0.1 bindable, yet the port is not free.
    const alias = await listen(block.port, '::1');
    const aliasState = await portState(block.port);
    assert.deepEqual([aliasState.free, aliasState.bindable], [false, true]);
    await close(alias);
    assert.equal(await bindProbe(block.port), true);
  } finally {
    block.release();
  }
});

test('an upgrade to a plain TCP server fails with the reason', async () => {
  const block = await new PortPool().reserve();
  const server = await listen(block.port, '127.0.0.1');
  try {
    const result = await websocketUpgrade(block.port, 1000);
    assert.equal(result.ok, false);
    assert.ok(result.error);
  } finally {
    await close(server);
    block.release();
  }
});

test('a refused upgrade leaves no TIME_WAIT on the server side, even when the server closes first', async () => {
  const block = await new PortPool().reserve();
  const server = createServer((s) => {
    s.on('error', () => {}); // the probe's reset
    s.once('data', () => s.end('HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen({ port: block.port, host: '127.0.0.1' }, resolve));
  try {
    for (let i = 0; i < 10; i++) assert.equal((await websocketUpgrade(block.port, 2000)).status, 426);
    const left = tcpSocketsOnPort(block.port).filter((s) => s.state !== '0A');
    assert.deepEqual(left.map((s) => `${s.address} state ${s.state}`), [], 'server-side sockets left on the port');
  } finally {
    await close(server);
    block.release();
  }
});

test('loopback addresses', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
});

test('process identity: this process, its family, its command line', () => {
  const me = readProcess(process.pid)!;
  assert.equal(me.pid, process.pid);
  assert.equal(me.ppid, process.ppid);
  assert.equal(isAlive(process.pid, me.startTime), true);
  assert.equal(isAlive(process.pid, me.startTime + 1), false, 'another start time is another process');
  assert.match(commandLine(process.pid), /node/);
  assert.ok(processFamily(process.ppid, -1, allProcesses()).some((p) => p.pid === process.pid));
});

test('port blocks are disjoint, never reused, never cover 18789, below the ephemeral range', async () => {
  const pool = new PortPool();
  const blocks = await Promise.all(Array.from({ length: 20 }, () => pool.reserve()));
  const ports = blocks.map((b) => b.port);
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) {
    assert.equal(port % BLOCK_SIZE, 0);
    assert.ok(port >= 20000 && port + BLOCK_SIZE <= 32768, String(port));
    assert.ok(18789 < port || 18789 >= port + BLOCK_SIZE);
  }
  for (const b of blocks) b.release();
});

test('a host lock is exclusive until released', async () => {
  const name = `test/${process.pid}/${Math.random()}`;
  const first = await HostLock.take(name);
  assert.ok(first);
  assert.equal(await HostLock.take(name), undefined);
  first.release();
  await new Promise((r) => setTimeout(r, 10));
  const again = await HostLock.take(name);
  assert.ok(again);
  again.release();
});
