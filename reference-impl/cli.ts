#!/usr/bin/env node
/**
 * `reference-gateway [--port <port>] [--state-dir <dir>] [--lock-revision <revision>]`: runs the
 * reference gateway until SIGTERM or SIGINT, with the lock of the spec revision named (lock-modes.ts).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, GatewayLockError, startGateway, type GatewayHandle } from './gateway.js';
import { LockWaitAborted } from './lock-file.js';
import { DEFAULT_LOCK_REVISION, LOCK_MODES, LOCK_REVISIONS, parseLockRevision, takeLocks, type HeldLocks, type LockRevision } from './lock-modes.js';

const USAGE = `usage: reference-gateway [--port <port>] [--state-dir <dir>] [--lock-revision ${LOCK_REVISIONS.join('|')}]   (default port 18789, loopback only; default revision ${DEFAULT_LOCK_REVISION}; default state dir ~/.reference-gateway)`;
const EXIT_USAGE = 2;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`--port must be an integer from 1 to 65535, got '${text}'`);
  }
  return Number(text);
}

class UsageError extends Error {}

interface Options {
  port: number;
  stateDir: string;
  lockRevision: LockRevision;
  help: boolean;
}

function parseCommandLine(argv: string[]): Options {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, 'state-dir': { type: 'string' }, 'lock-revision': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values['state-dir'] === '') throw new UsageError(`--state-dir takes a directory, got ''`);
    return {
      port: parsePort(values.port),
      // Read only by the lock revisions: 2025-12-11 keeps no state.
      stateDir: resolve(values['state-dir'] ?? join(homedir(), '.reference-gateway')),
      lockRevision: values['lock-revision'] === undefined ? DEFAULT_LOCK_REVISION : parseLockRevision(values['lock-revision']),
      help: values.help ?? false,
    };
  } catch (error) {
    // parseArgs explains some errors over several lines: the first one says what is wrong.
    throw error instanceof UsageError ? error : new UsageError((error as Error).message.split('\n')[0]!);
  }
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`reference-gateway: ${(error as Error).message} (try --help)\n`);
    process.exit(EXIT_USAGE);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const mode = LOCK_MODES[options.lockRevision];

  // Handlers first: a signal that arrives while the gateway starts still means a clean stop. One
  // that arrives while it waits for a lock or between bind retries ends the wait: it never served.
  let stopRequested = false;
  let gateway: GatewayHandle | undefined;
  const waiting = new AbortController();
  const stop = () => {
    stopRequested = true;
    waiting.abort();
    gateway?.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  let locks: HeldLocks;
  try {
    locks = await takeLocks(mode, { stateDir: options.stateDir, port: options.port, env: process.env }, waiting.signal);
    // Every exit that runs code (a graceful stop, a failed bind) removes the lock files; only a
    // kill leaves them, and the next start reclaims them because their owner is dead.
    process.once('exit', () => locks.release());
    gateway = await startGateway({ port: options.port, bindRetries: mode.bindRetries, bindRetryIntervalMs: mode.bindRetryIntervalMs, signal: waiting.signal });
  } catch (error) {
    // Stopped while waiting (for a lock, or between bind retries): a clean stop of a gateway that never served.
    if (error instanceof LockWaitAborted || (error as Error | undefined)?.name === 'AbortError') process.exit(0);
    if (!(error instanceof GatewayLockError)) throw error;
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exit(1);
  }
  if (stopRequested) return stop();
  process.stdout.write(`gateway listening on ${gateway.url}\n`);
}

await main();
