#!/usr/bin/env node
/**
 * gateway-lock-conformance [options] -- <command> [args...]
 * Exit codes: 0 conformant, 1 not conformant, 2 usage or harness error (also: interrupted).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CATALOGUE } from './catalog.js';
import { resolveRun, UsageError } from './config.js';
import { Interrupted, runChecks } from './engine.js';
import { REPORTERS, createReporter, junitXml, type ReporterName } from './reporters/index.js';
import { styleFor } from './reporters/style.js';
import type { RunOptions } from './run/options.js';
import { DEFAULTS } from './run/options.js';
import { HARNESS } from './version.js';

const EXIT_USAGE = 2;

const HELP = `Usage: gateway-lock-conformance [options] -- <command> [args...]

Checks that a gateway honours its single-instance port lock (spec ${CATALOGUE.specVersion}).
The command is spawned without a shell; {port} and {stateDir} in its words (and in --env
values) are replaced per run. Without a command the bundled reference gateway is tested.

Selection
  --list                      print every check (ID, level, title) and exit
  --only ID[,ID]              run only these checks (globs: 'CRASH-*'); repeatable
  --skip ID[,ID]              leave these checks out; repeatable
Budgets and runs
  --trials N                  runs per timing check (default ${DEFAULTS.trials})
  --concurrency N             checks at a time, on disjoint ports (default ${DEFAULTS.concurrency})
  --timeout-multiplier X      scales the startup budget (${DEFAULTS.startupBudgetMs} ms) and harness waits (default 1)
  --release-budget MS         signal-to-port-free budget (default ${DEFAULTS.releaseBudgetMs})
  --exit-budget MS            signal-to-exit budget (default ${DEFAULTS.exitBudgetMs})
  --strict                    a failed SHOULD fails the run
  --expected-failures FILE    baseline: IDs that may fail, one per line (# comments)
Candidate
  --env K=V                   extra environment for the candidate; repeatable
  --cwd DIR                   working directory of the candidate
Reports
  --reporter NAME             spec (default), tap, json or markdown, on stdout
  --json FILE                 also write the JSON report (spec/report.schema.json)
  --junit FILE                also write JUnit XML
  -h, --help                  this text
  -V, --version               harness and spec version

Exit codes: 0 conformant, 1 not conformant, 2 usage or harness error.`;

interface CliRequest {
  run: RunOptions;
  reporter: ReporterName;
  jsonFile?: string;
  junitFile?: string;
  action: 'run' | 'list' | 'help' | 'version';
}

const list = (values: string[] | undefined) => values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`${flag} takes a number, got '${text}'`);
  return Number(text);
}

function readBaseline(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --expected-failures ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
}

function parseEnv(entries: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env takes K=V, got '${entry}'`);
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export function parseCommandLine(argv: string[]): CliRequest {
  const split = argv.indexOf('--');
  const optionWords = split < 0 ? argv : argv.slice(0, split);
  const command = split < 0 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: optionWords,
      strict: true,
      allowPositionals: false,
      options: {
        list: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        skip: { type: 'string', multiple: true },
        trials: { type: 'string' },
        concurrency: { type: 'string' },
        'timeout-multiplier': { type: 'string' },
        'release-budget': { type: 'string' },
        'exit-budget': { type: 'string' },
        strict: { type: 'boolean' },
        env: { type: 'string', multiple: true },
        cwd: { type: 'string' },
        json: { type: 'string' },
        junit: { type: 'string' },
        reporter: { type: 'string' },
        'expected-failures': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    throw new UsageError(/positional/i.test(message) ? `unexpected argument: put the gateway command after '--' (${message})` : message);
  }
  const reporter = (values.reporter ?? 'spec') as ReporterName;
  if (!REPORTERS.includes(reporter)) throw new UsageError(`--reporter must be one of ${REPORTERS.join(', ')}, got '${values.reporter}'`);
  const action = values.help ? 'help' : values.version ? 'version' : values.list ? 'list' : 'run';
  const run: RunOptions = {
    command,
    env: parseEnv(values.env),
    only: list(values.only),
    skip: list(values.skip),
    trials: number('--trials', values.trials),
    concurrency: number('--concurrency', values.concurrency),
    timeoutMultiplier: number('--timeout-multiplier', values['timeout-multiplier']),
    releaseBudgetMs: number('--release-budget', values['release-budget']),
    exitBudgetMs: number('--exit-budget', values['exit-budget']),
    strict: values.strict ?? false,
    expectedFailures: values['expected-failures'] ? readBaseline(values['expected-failures']) : [],
    ...(values.cwd !== undefined ? { cwd: values.cwd } : {}),
  };
  return { run, reporter, action, ...(values.json ? { jsonFile: values.json } : {}), ...(values.junit ? { junitFile: values.junit } : {}) };
}

function listChecks(only?: string[], skip?: string[]): string {
  const { checks } = resolveRun({ only, skip });
  const byId = new Map(CATALOGUE.requirements.map((r) => [r.id, r]));
  return checks.map((c) => `${c.id.padEnd(12)} ${byId.get(c.id)!.level.padEnd(7)} ${byId.get(c.id)!.title}`).join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const request = parseCommandLine(argv);
  if (request.action === 'help') return process.stdout.write(`${HELP}\n`), 0;
  if (request.action === 'version') return process.stdout.write(`${HARNESS.name} ${HARNESS.version} (spec ${CATALOGUE.specVersion})\n`), 0;
  if (request.action === 'list') return process.stdout.write(listChecks(request.run.only, request.run.skip)), 0;

  const { options, checks } = resolveRun(request.run);
  const reporter = createReporter(request.reporter, styleFor(process.stdout));
  const abort = new AbortController();
  const running = new Set<string>();
  const interrupt = (signal: NodeJS.Signals) => {
    process.stderr.write(`gateway-lock-conformance: ${signal} received, ending every candidate process\n`);
    abort.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.once('SIGHUP', interrupt);
  process.on('uncaughtException', (error) => {
    process.stderr.write(`gateway-lock-conformance: internal error: ${error.message}\n`);
    abort.abort();
  });
  try {
    const report = await runChecks(checks, options, {
      signal: abort.signal,
      onCheckStart: (id) => running.add(id),
      onResult: (result) => {
        running.delete(result.id);
        if (reporter.onResult) process.stdout.write(reporter.onResult(result));
      },
    });
    process.stdout.write(reporter.finish(report));
    if (request.jsonFile) writeFileSync(request.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    if (request.junitFile) writeFileSync(request.junitFile, junitXml(report));
    return report.exitCode;
  } catch (error) {
    if (error instanceof Interrupted) {
      process.stderr.write(`gateway-lock-conformance: interrupted; ${error.message}; every candidate process was ended\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof UsageError ? error.message : `internal error: ${(error as Error).message}`;
    process.stderr.write(`gateway-lock-conformance: ${message}\n`);
    process.exitCode = EXIT_USAGE;
  },
);
