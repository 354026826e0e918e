#!/usr/bin/env node
// A candidate that misbehaves in one way, to prove the harness copes: finishes within its budgets,
// keeps memory bounded, reports clear evidence, and leaves nothing running.
//   misbehave.mjs <mode> --port <port> [--marker <text>]
// Modes: ignore-sigterm, flood, exit-at-once, exit-after-listen, never-binds, respawn, child-holds-port, listen,
// listen-default (ignores --port: listens on 18789).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const [mode, ...rest] = process.argv.slice(2);
const arg = (name) => rest[rest.indexOf(name) + 1];
const port = mode === 'listen-default' ? 18789 : Number(arg('--port'));
const self = process.argv[1];

function listen(onListening = () => {}) {
  const server = createServer((socket) => socket.end());
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
    process.exit(0);
    break;
  case 'exit-after-listen':
    listen(() => setTimeout(() => {
      console.error('crashing after the bind');
      process.exit(1);
    }, 50));
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
