/**
 * The composite GitHub Action: action.yml validates against SchemaStore's Action metadata schema
 * (vendored in test/data), every input reaches the script, and the script the action runs
 * (.github/action/run.sh) runs here as GitHub runs it: reports in the report directory, the
 * Markdown appended to the job summary, the step's outputs set, the harness's exit code kept.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import AjvModule from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { Report } from '../harness/report.js';
import { REFERENCE, ROOT } from './helpers/cli.js';

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const work = mkdtempSync(join(tmpdir(), 'glc-action-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const SCRIPT = join(ROOT, '.github/action/run.sh');
const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  runs: { steps: { run?: string; env?: Record<string, string>; uses?: string }[] };
};

function runScript(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', [SCRIPT, ...args], { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', NO_COLOR: '1', GITHUB_ACTION_PATH: ROOT, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('action.yml', () => {
  test("is valid GitHub Action metadata (SchemaStore's schema)", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'test/data/github-action.schema.json'), 'utf8'));
    const validate = new (Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ strict: false, allErrors: true }).compile(schema);
    assert.equal(validate(action), true, JSON.stringify(validate.errors, null, 2));
  });

  test('the schema is the real constraint: a step without shell is rejected', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'test/data/github-action.schema.json'), 'utf8'));
    const validate = new (Ajv as unknown as new (o: object) => { compile(s: object): (d: unknown) => boolean })({ strict: false }).compile(schema);
    const broken = structuredClone(action);
    delete (broken.runs.steps[0] as { shell?: string }).shell;
    assert.equal(validate(broken), false);
  });

  test('every input reaches the script or a step, and the script reads only inputs that exist', () => {
    const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    for (const name of Object.keys(action.inputs)) assert.match(text, new RegExp(`inputs\\.${name}\\b(?!-)`), `input ${name} is used`);
    const mapped = Object.keys(action.runs.steps.find((s) => s.env)!.env!);
    const read = [...new Set([...readFileSync(SCRIPT, 'utf8').matchAll(/\bINPUT_[A-Z_]+/g)].map((m) => m[0]))];
    assert.deepEqual(read.filter((v) => !mapped.includes(v)), [], 'read by run.sh but not set by action.yml');
    assert.ok(action.runs.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@')), 'the reports are uploaded');
  });
});

describe('.github/action/run.sh', () => {
  test('install: the harness is built already here, so nothing is installed', async () => {
    const run = await runScript(['install'], {}, work);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /gateway-lock-conformance is built already/);
  });

  test('run, conforming: reports, the job summary appended, outputs set, exit 0', async () => {
    const summary = join(work, 'summary.md');
    const outputs = join(work, 'outputs');
    writeFileSync(summary, '# earlier step\n');
    const run = await runScript(
      ['run'],
      {
        INPUT_COMMAND: `${process.execPath} ${REFERENCE} --port {port}`,
        INPUT_ARGS: '--only BIND-1 --no-warmup',
        INPUT_REPORT_DIR: 'out',
        INPUT_SUMMARY: 'true',
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: outputs,
      },
      work,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^PASS {2}BIND-1 /m, 'the spec reporter in the log');
    for (const file of ['report.json', 'report.html', 'junit.xml', 'summary.md']) assert.ok(existsSync(join(work, 'out', file)), file);
    assert.match(readFileSync(summary, 'utf8'), /^# earlier step\n# Gateway lock conformance: CONFORMANT\n/);
    assert.equal(readFileSync(outputs, 'utf8'), 'exit-code=0\nconformant=true\nreport-json=out/report.json\nreport-html=out/report.html\n');
  });

  test('run, not conforming: the reports and the summary still, exit 1', async () => {
    const summary = join(work, 'failing.md');
    const outputs = join(work, 'failing-outputs');
    const run = await runScript(
      ['run'],
      { INPUT_COMMAND: `${process.execPath} -e process.exit(3) {port}`, INPUT_ARGS: '--only BIND-1 --no-warmup', INPUT_REPORT_DIR: 'failing', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: outputs },
      work,
    );
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(readFileSync(join(work, 'failing/report.json'), 'utf8')) as Report;
    assert.deepEqual(report.checks.map((c) => [c.id, c.outcome]), [['BIND-1', 'fail']]);
    assert.match(readFileSync(summary, 'utf8'), /^# Gateway lock conformance: NOT CONFORMANT: failed BIND-1\n/);
    assert.match(readFileSync(outputs, 'utf8'), /^exit-code=1\nconformant=false\n/);
  });
});
