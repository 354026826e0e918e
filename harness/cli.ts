#!/usr/bin/env node
/**
 * gateway-lock-conformance [options] -- <command> [args...]
 * Exit codes: 0 conformant, 1 not conformant, 2 usage or harness error (also: interrupted).
 */
import { writeFileSync } from 'node:fs';
import { CATALOGUE } from './catalog.js';
import { resolveRun, UsageError } from './config.js';
import { Interrupted, runChecks } from './engine.js';
import { parseCommandLine } from './cli-args.js';
import { createReporter, junitXml } from './reporters/index.js';
import { styleFor } from './reporters/style.js';
import { DEFAULTS, STARTUP_CEILING_FACTOR } from './run/options.js';
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
  --timeout-multiplier X      scales the startup budget (${DEFAULTS.startupBudgetMs} ms) and harness waits (default 1);
                              starts and exits are waited for up to ${STARTUP_CEILING_FACTOR} x the startup budget
  --release-budget MS         signal-to-port-free budget (default ${DEFAULTS.releaseBudgetMs})
  --exit-budget MS            signal-to-exit budget (default ${DEFAULTS.exitBudgetMs})
  --strict                    a failed SHOULD fails the run
  --expected-failures FILE    baseline: IDs that may fail, one per line (# comments)
Readiness (LISTEN is not ready; default: the gateway's processes are quiet and it answers)
  --ready-pattern REGEX       ready when a line of its output (ANSI stripped) matches REGEX
  --ready-delay MS            ready MS ms after LISTEN
  --no-warmup                 no unjudged warm-up start before the checks
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
