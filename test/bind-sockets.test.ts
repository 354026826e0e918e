/** BIND-2's account of what still holds a port: the socket state and the holder it found. */
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { test } from 'node:test';
import { describeSockets } from '../harness/checks/bind.js';
import { tcpSocketsOnPort } from '../harness/observe/procfs.js';

test('a LISTEN socket is named as LISTEN with its holder, not as TIME_WAIT', async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const text = describeSockets(tcpSocketsOnPort(port));
    assert.match(text, new RegExp(`^1 LISTEN \\(pid ${process.pid}: [^)]*node[^)]*\\)$`), text);
    assert.doesNotMatch(text, /TIME_WAIT/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('connections that ended are TIME_WAIT with no process', async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (server.address() as { port: number }).port;
  // The server closes first, so its side of the connection (local port P) goes to TIME_WAIT.
  await new Promise<void>((resolve) => {
    const client = connect(port, '127.0.0.1');
    client.on('data', () => {});
    client.on('close', () => resolve());
  });
  await new Promise((resolve) => server.close(resolve));
  const deadline = Date.now() + 2000;
  let sockets = tcpSocketsOnPort(port);
  while (!sockets.some((s) => s.state === '06') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    sockets = tcpSocketsOnPort(port);
  }
  const text = describeSockets(sockets);
  assert.match(text, /^\d+ TIME_WAIT \(no process: connections that ended\)$/, text);
});
