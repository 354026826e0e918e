#!/usr/bin/env node
/** `reference-gateway [--port <port>]`: runs the reference gateway until SIGTERM or SIGINT. */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, GatewayLockError, startGateway, type GatewayHandle } from './gateway.js';

const USAGE = 'usage: reference-gateway [--port <port>]   (default port 18789, loopback only)';
const EXIT_USAGE = 2;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`--port must be an integer from 1 to 65535, got '${text}'`);
  }
  return Number(text);
}

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { port: number; help: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return { port: parsePort(values.port), help: values.help ?? false };
  } catch (error) {
    // parseArgs explains some errors over several lines: the first one says what is wrong.
    throw error instanceof UsageError ? error : new UsageError((error as Error).message.split('\n')[0]!);
  }
}

async function main(): Promise<void> {
  let options: { port: number; help: boolean };
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

  // Handlers first: a signal that arrives while the gateway starts still means a clean stop.
  let stopRequested = false;
  let gateway: GatewayHandle | undefined;
  const stop = () => {
    stopRequested = true;
    gateway?.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    gateway = await startGateway({ port: options.port });
  } catch (error) {
    if (!(error instanceof GatewayLockError)) throw error;
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exit(1);
  }
  if (stopRequested) return stop();
  process.stdout.write(`gateway listening on ${gateway.url}\n`);
}

await main();
