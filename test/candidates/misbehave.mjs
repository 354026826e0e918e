#!/usr/bin/env node
// A candidate that misbehaves in one way, to prove the harness copes: finishes within its budgets,
// keeps memory bounded, reports clear evidence, and leaves nothing running.
//   misbehave.mjs <mode> --port <port> [--marker <text>] [--exit-code <n>] [--listen-delay <ms>]
// Modes: ignore-sigterm, flood, exit-at-once (with --exit-code), exit-by-signal (SIGTERMs itself),
// exit-after-listen, never-binds, respawn, child-holds-port, listen,
// listen-default (ignores --port: listens on 18789),
// daemonize (starts a copy of itself in a new session that listens, after --listen-delay; exits 0),
// daemonize-ignore-sigterm (double fork: a new session, then a grandchild that is no session
// leader, listens and ignores SIGTERM; the first two exit 0),
// litter-tmp (listens correctly, and writes a new x.lock into /tmp/<marker>/ every 50 ms: a
// neighbour on a shared host that no other run's CRASH-4 may blame on its candidate).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const [mode, ...rest] = process.argv.slice(2);
const arg = (name) => rest[rest.indexOf(name) + 1];
const port = mode === 'listen-default' ? 18789 : Number(arg('--port'));
const self = process.argv[1];
// Options after the mode go to the copies a mode starts (the marker finds every one of them).
const copy = (childMode, options) => spawn(process.execPath, [self, childMode, ...rest], options);

// Answers any request with a plain HTTP 426, as a gateway without WebSocket would: the harness
// sees it serve at once, so no test waits out the startup budget for an answer it does not judge.
// `silent` (or --silent) ends every connection unanswered: each start then waits the startup
// budget for an answer, for a test that needs a long-running neighbour.
const HTTP_426 = 'HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
function listen(onListening = () => {}, { silent = rest.includes('--silent') } = {}) {
  const server = createServer((socket) => {
    if (silent) return socket.end();
    socket.once('data', () => socket.end(HTTP_426));
    socket.on('error', () => {});
  });
  server.listen({ host: '127.0.0.1', port, exclusive: true }, () => onListening(server));
  server.on('error', (error) => {
    console.error(`GatewayLockError: ${error.message}`);
    process.exit(1);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}

async function flood(megabytes) {
  const chunk = 'x'.repeat(1024 * 1024 - 1) + '\n';
  for (let i = 0; i < megabytes; i++) {
    if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}

switch (mode) {
  case 'litter-tmp': {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = `/tmp/${arg('--marker')}`;
    mkdirSync(dir, { recursive: true });
    let n = 0;
    setInterval(() => writeFileSync(`${dir}/n${n++}.lock`, 'held by nobody\n'), 50);
    listen();
    break;
  }
  case 'listen':
  case 'listen-default':
    listen();
    break;
  case 'ignore-sigterm':
    listen();
    process.removeAllListeners('SIGTERM');
    process.on('SIGTERM', () => console.error('ignoring SIGTERM'));
    break;
  case 'flood':
    await flood(100);
    listen();
    break;
  case 'exit-at-once':
    console.error('exiting at once');
    process.exit(rest.includes('--exit-code') ? Number(arg('--exit-code')) : 0);
    break;
  case 'exit-by-signal':
    console.error('killing myself with SIGTERM');
    process.kill(process.pid, 'SIGTERM');
    break;
  case 'daemonize':
    // detached: setsid() in the child, a session and group of its own; unref: we exit at once.
    copy('daemon', { detached: true, stdio: 'ignore' }).unref();
    console.error('daemonized');
    process.exit(0);
    break;
  case 'daemonize-ignore-sigterm':
    copy('daemon-intermediate', { detached: true, stdio: 'ignore' }).unref();
    console.error('daemonized');
    process.exit(0);
    break;
  case 'daemon-intermediate':
    // The second fork of the classic double fork: the daemon is no session leader.
    copy('daemon-ignore-sigterm', { stdio: 'ignore' }).unref();
    process.exit(0);
    break;
  case 'daemon':
  case 'daemon-ignore-sigterm':
    setTimeout(() => {
      listen();
      if (mode === 'daemon-ignore-sigterm') {
        process.removeAllListeners('SIGTERM');
        process.on('SIGTERM', () => {});
      }
    }, Number(rest.includes('--listen-delay') ? arg('--listen-delay') : 0));
    break;
  case 'exit-after-listen':
    listen(() => setTimeout(() => {
      console.error('crashing after the bind');
      process.exit(1);
    }, 50), { silent: true });
    break;
  case 'never-binds':
    setInterval(() => {}, 1 << 30);
    break;
  case 'respawn': {
    // A supervisor: the gateway is its child, restarted whenever it dies.
    const start = () => spawn(process.execPath, [self, 'listen', ...rest], { stdio: 'inherit' }).once('exit', start);
    start();
    break;
  }
  case 'child-holds-port':
    listen((server) => {
      // The child inherits the listening socket as fd 3 and outlives a SIGKILL of its parent.
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)', '--', ...rest], {
        stdio: ['ignore', 'ignore', 'ignore', server._handle.fd],
      });
    });
    break;
  default:
    console.error(`misbehave: unknown mode ${mode}`);
    process.exit(2);
}
