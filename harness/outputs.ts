/**
 * Where each reporter writes, as node --test pairs them: `--reporter NAME` and
 * `--reporter-destination stdout|stderr|FILE`, repeatable and paired in order, plus the file
 * shorthands `--json`, `--junit`, `--html` and `--markdown FILE`. Every file is created (empty)
 * before the first check, so that a path that cannot be written is a usage error at once, not a
 * lost verdict after a long run; an interrupted run writes its partial report to every one.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './config.js';
import type { CheckResult, Report } from './report.js';
import { createReporter, REPORTERS, type Reporter, type ReporterName } from './reporters/index.js';
import { PLAIN, styleFor } from './reporters/style.js';

/** One requested output: a reporter, where it goes, and the flag that asked for it (for errors). */
export interface OutputRequest {
  reporter: ReporterName;
  /** `stdout`, `stderr`, or a file path (relative to `base`). */
  destination: string;
  /** e.g. `--json`, `--reporter-destination`, or `reporters[1] in gateway-lock.config.json`. */
  flag: string;
  /** The directory a relative file path is relative to (default: the current directory). */
  base?: string;
}

export function reporterName(value: string, flag = '--reporter'): ReporterName {
  if (!(REPORTERS as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${REPORTERS.join(', ')}, got '${value}'`);
  return value as ReporterName;
}

/**
 * Pairs `--reporter` and `--reporter-destination` values in order. One reporter may go without a
 * destination (stdout, as `--reporter NAME` always did); several need one each.
 */
export function pairOutputs(reporters: string[], destinations: string[]): OutputRequest[] {
  const names = reporters.map((r) => reporterName(r));
  if (destinations.length > 0 && destinations.length !== names.length) {
    throw new UsageError(
      `${names.length} --reporter but ${destinations.length} --reporter-destination: pair each --reporter with one --reporter-destination, in order`,
    );
  }
  if (names.length > 1 && destinations.length === 0) throw new UsageError('several --reporter need a --reporter-destination each (stdout, stderr or a file)');
  return names.map((reporter, i) => ({ reporter, destination: destinations[i] ?? 'stdout', flag: destinations.length > 0 ? '--reporter-destination' : '--reporter' }));
}

/** The shorthands: `--json FILE` is `--reporter json --reporter-destination FILE`. */
export function fileOutputs(files: Partial<Record<'json' | 'junit' | 'html' | 'markdown', string>>): OutputRequest[] {
  const out: OutputRequest[] = [];
  for (const reporter of ['json', 'junit', 'html', 'markdown'] as const) {
    const file = files[reporter];
    if (file === undefined) continue;
    if (file === '') throw new UsageError(`--${reporter} takes a file name, got ''`);
    out.push({ reporter, destination: file, flag: `--${reporter}` });
  }
  return out;
}

interface Sink {
  write(text: string): void;
  close(): void;
}

interface OpenOutput {
  request: OutputRequest;
  reporter: Reporter;
  sink: Sink;
  stream?: NodeJS.WriteStream;
}

const isStream = (destination: string) => destination === 'stdout' || destination === 'stderr';

function stat(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined; // missing, or under something that is no directory
  }
}

/** Creates (truncates) the file now; a path that cannot be written is a UsageError naming the flag. */
function openFile(flag: string, file: string, path: string): number {
  if (stat(path)?.isDirectory()) throw new UsageError(`${flag} ${file} is a directory`);
  const dir = dirname(path);
  const parent = stat(dir);
  if (!parent) throw new UsageError(`${flag} ${file}: directory ${dir} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`${flag} ${file}: ${dir} is not a directory`);
  try {
    return openSync(path, 'w');
  } catch (error) {
    throw new UsageError(`cannot write ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The opened outputs of one run: each streams its results and writes its report at the end. */
export class Outputs {
  private constructor(
    private readonly open: OpenOutput[],
    /** Where the run's first line and the progress go: stdout only when a human reads it there. */
    readonly humanStream: NodeJS.WriteStream,
  ) {}

  /**
   * Checks and opens every destination. `writeStream` writes to stdout or stderr (the CLI clears
   * its progress line first).
   */
  static openAll(requests: OutputRequest[], writeStream: (stream: NodeJS.WriteStream, text: string) => void): Outputs {
    const onStdout = requests.filter((r) => r.destination === 'stdout');
    if (onStdout.length > 1) throw new UsageError(`${onStdout.map((r) => r.reporter).join(' and ')} both write to stdout: give one of them a --reporter-destination file`);
    const files = new Map<string, OutputRequest>();
    for (const r of requests) {
      if (isStream(r.destination)) continue;
      const path = resolve(r.base ?? process.cwd(), r.destination);
      const earlier = files.get(path);
      if (earlier) throw new UsageError(`${earlier.flag} and ${r.flag} name the same file: ${r.destination}`);
      files.set(path, r);
    }
    const opened: OpenOutput[] = [];
    try {
      for (const request of requests) {
        if (isStream(request.destination)) {
          const stream = request.destination === 'stdout' ? process.stdout : process.stderr;
          opened.push({ request, stream, reporter: createReporter(request.reporter, styleFor(stream)), sink: { write: (text) => writeStream(stream, text), close: () => {} } });
        } else {
          const fd = openFile(request.flag, request.destination, resolve(request.base ?? process.cwd(), request.destination));
          opened.push({ request, reporter: createReporter(request.reporter, PLAIN), sink: { write: (text) => void writeSync(fd, text), close: () => closeSync(fd) } });
        }
      }
    } catch (error) {
      for (const o of opened) o.sink.close();
      throw error;
    }
    const human = onStdout[0]?.reporter === 'spec' ? process.stdout : process.stderr;
    return new Outputs(opened, human);
  }

  /** The reporter whose output is read by people on stdout, which also writes the run's first line. */
  get humanReporter(): Reporter | undefined {
    return this.open.find((o) => o.stream === this.humanStream && o.request.reporter === 'spec')?.reporter;
  }

  /** Files written, for the message of an interrupted run. */
  get files(): string[] {
    return this.open.filter((o) => !o.stream).map((o) => o.request.destination);
  }

  result(result: CheckResult): void {
    for (const o of this.open) if (o.reporter.onResult) o.sink.write(o.reporter.onResult(result));
  }

  finish(report: Report): void {
    for (const o of this.open) {
      o.sink.write(o.reporter.finish(report));
      o.sink.close();
    }
  }
}
