#!/usr/bin/env node
// A correct gateway with a known, adjustable release time, to calibrate the harness's SHUTDOWN
// measurements against:
//   calibration-gateway.mjs --port <port> [--release-delay <ms>]
// It binds 127.0.0.1:<port> exclusively (the lock), answers a WebSocket upgrade with 101 and a plain
// request with 426, and fails with the spec's GatewayLockError line and exit 1 when the port is taken.
// On SIGTERM or SIGINT it keeps its listener open for exactly --release-delay ms (default 0: closed
// in the signal handler itself; else one setTimeout started by the handler), then closes it (the
// port is free), closes every client with 1001 and exits 0. It measures nothing itself: the harness
// does the timing.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const HOST = '127.0.0.1';
const CLOSE_GOING_AWAY = 1001;
/** How long clients get to answer the close frame before they are terminated. */
const CLOSE_GRACE_MS = 250;
/** setTimeout's ceiling. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const USAGE = 'usage: calibration-gateway.mjs --port <port> [--release-delay <ms>]';

function usageError(message) {
  process.stderr.write(`calibration-gateway: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { port: { type: 'string' }, 'release-delay': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  usageError(error.message.split('\n')[0]);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.port === undefined) usageError('--port is required');
if (!/^\d+$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65535) {
  usageError(`--port must be an integer from 1 to 65535, got '${values.port}'`);
}
const delayText = values['release-delay'] ?? '0';
if (!/^\d+(\.\d+)?$/.test(delayText) || Number(delayText) > MAX_DELAY_MS) {
  usageError(`--release-delay must be a number of milliseconds from 0 to ${MAX_DELAY_MS}, got '${delayText}'`);
}
const port = Number(values.port);
const releaseDelayMs = Number(delayText);
const url = `ws://${HOST}:${port}`;

const server = createServer((_req, res) => {
  res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
  res.end('calibration gateway: WebSocket upgrade required\n');
});
const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => socket.on('error', () => socket.terminate()));
// ws re-emits the server's errors; the bind error is reported by the server's own handler below.
wss.on('error', () => {});

// Handlers before the bind: a signal during startup is a clean stop too. Repeated signals while the
// delay runs are ignored, so the delay stays exact.
let stopping = false;
let releaseDue = false;
function onSignal() {
  if (stopping) return;
  stopping = true;
  // Node runs setTimeout(fn, 0) after 1 ms at the earliest: no delay means no timer.
  if (releaseDelayMs === 0) releaseNow();
  else setTimeout(releaseNow, releaseDelayMs);
}
function releaseNow() {
  releaseDue = true;
  if (server.listening) release();
  else if (!bindPending) process.exit(0);
  // Else the bind is still under way: release() runs once it completes.
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

function release() {
  // Listener first: freeing the port is the measured event.
  server.close(() => process.exit(0));
  for (const client of wss.clients) {
    const timer = setTimeout(() => client.terminate(), CLOSE_GRACE_MS);
    timer.unref();
    client.once('close', () => clearTimeout(timer));
    client.close(CLOSE_GOING_AWAY, 'gateway shutting down');
  }
  wss.close();
  // Plain HTTP keep-alive connections would hold server.close() open.
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), CLOSE_GRACE_MS * 2).unref();
}

let bindPending = true;
server.once('error', (error) => {
  bindPending = false;
  const detail =
    error.code === 'EADDRINUSE'
      ? `another gateway instance is already listening on ${url}`
      : `failed to bind gateway socket on ${url}: ${error.message}`;
  process.stderr.write(`GatewayLockError: ${detail}\n`);
  process.exit(1);
});
server.once('listening', () => {
  bindPending = false;
  if (releaseDue) return release();
  process.stdout.write(`gateway listening on ${url} (release delay ${releaseDelayMs} ms)\n`);
});
server.listen({ host: HOST, port, exclusive: true });
