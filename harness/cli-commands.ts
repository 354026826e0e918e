/**
 * The subcommands that read saved reports instead of running checks:
 *   report FILE.json [--reporter NAME [--reporter-destination D]]...   re-render with any reporter
 *   compare A.json B.json... [--format markdown|html|json] [--output FILE] [--fail-on-regression]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './config.js';
import { fileOutputs, Outputs, pairOutputs } from './outputs.js';
import type { Report } from './report.js';
import { compareJson, compareMarkdown, compareReports, type CompareInput } from './reporters/compare.js';
import { compareHtml } from './reporters/compare-html.js';

/** A saved JSON report; anything else is a UsageError naming the file. */
export function readReport(file: string): Report {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const r = data as Partial<Report> | null;
  const problem =
    typeof r !== 'object' || r === null || Array.isArray(r)
      ? 'not an object'
      : r.schemaVersion !== 2
        ? `schemaVersion is ${JSON.stringify(r.schemaVersion)}, not 2`
        : !Array.isArray(r.checks)
          ? 'no checks[]'
          : !Array.isArray(r.candidate?.argv)
            ? 'no candidate.argv'
            : typeof r.summary !== 'object'
              ? 'no summary'
              : undefined;
  if (problem) throw new UsageError(`${file} is not a gateway-lock-conformance report (${problem}); see spec/report.schema.json`);
  return r as Report;
}

function parse(command: string, argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: true, options });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `report FILE.json ...`: every reporter as the run would have written it. Exit 0 once written. */
export function reportCommand(argv: string[], writeStream: (stream: NodeJS.WriteStream, text: string) => void): number {
  const { values, positionals } = parse('report', argv, {
    reporter: { type: 'string', multiple: true },
    'reporter-destination': { type: 'string', multiple: true },
    json: { type: 'string' },
    junit: { type: 'string' },
    html: { type: 'string' },
    markdown: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(`report takes one saved JSON report, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const report = readReport(positionals[0]!);
  const reporters = (values.reporter as string[] | undefined) ?? [];
  const destinations = (values['reporter-destination'] as string[] | undefined) ?? [];
  if (reporters.length === 0 && destinations.length > 0) throw new UsageError('--reporter-destination without --reporter');
  const requests = [
    ...(reporters.length > 0 ? pairOutputs(reporters, destinations) : [{ reporter: 'spec' as const, destination: 'stdout', flag: '--reporter' }]),
    ...fileOutputs(values as Record<string, string | undefined>),
  ];
  const outputs = Outputs.openAll(requests, writeStream);
  // As a run streams them: a line per check, then the whole.
  for (const check of report.checks) outputs.result(check);
  outputs.finish(report);
  return 0;
}

const FORMATS = ['markdown', 'html', 'json'] as const;

/** Column labels: file names without `.json`, made unique. */
function labels(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const base = basename(file).replace(/\.json$/i, '');
    let label = base;
    for (let n = 2; out.includes(label); n++) label = `${base} (${n})`;
    out.push(label);
  }
  return out;
}

/** `compare A.json B.json ...`: the matrix on stdout or --output; exit 1 on a regression with --fail-on-regression. */
export function compareCommand(argv: string[]): number {
  const { values, positionals } = parse('compare', argv, {
    format: { type: 'string' },
    output: { type: 'string' },
    'fail-on-regression': { type: 'boolean' },
  });
  const format = (values.format as string | undefined) ?? 'markdown';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'`);
  if (positionals.length === 0) throw new UsageError('compare takes saved JSON reports: compare a.json b.json ...');
  const output = values.output as string | undefined;
  if (output === '') throw new UsageError(`--output takes a file name, got ''`);
  const outDir = output !== undefined ? dirname(resolve(output)) : process.cwd();
  if (!existsSync(outDir)) throw new UsageError(`--output ${output}: directory ${outDir} does not exist`);
  const names = labels(positionals);
  const inputs: CompareInput[] = positionals.map((file, i) => {
    // The report's own page, where it lies beside it (a.json, a.html): cells link into it.
    const page = resolve(file).replace(/\.json$/i, '.html');
    const href = page !== resolve(file) && existsSync(page) ? relative(outDir, page) || basename(page) : undefined;
    return { label: names[i]!, report: readReport(file), ...(href ? { htmlHref: href } : {}) };
  });
  const comparison = compareReports(inputs);
  const text = format === 'json' ? compareJson(comparison) : format === 'html' ? compareHtml(comparison) : compareMarkdown(comparison);
  if (output !== undefined) writeFileSync(output, text);
  else process.stdout.write(text);
  if (comparison.regressions > 0) process.stderr.write(`gateway-lock-conformance compare: ${comparison.regressions} regression${comparison.regressions === 1 ? '' : 's'} (pass to fail)\n`);
  return values['fail-on-regression'] && comparison.regressions > 0 ? 1 : 0;
}
