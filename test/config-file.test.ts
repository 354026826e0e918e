/**
 * gateway-lock.config.json: found in the current directory or named by --config, checked against
 * spec/config.schema.json, merged under the command line (which wins), its relative paths taken
 * from its own directory; a bad key or value is one line naming it, exit 2.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseCommandLine } from '../harness/cli-args.js';
import { UsageError } from '../harness/config.js';
import { loadConfig } from '../harness/config-file.js';
import type { Report } from '../harness/report.js';
import { REFERENCE, ROOT, runCli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'glc-config-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let n = 0;

/** A fresh directory holding gateway-lock.config.json with `config`. */
function dirWith(config: unknown, name = 'gateway-lock.config.json'): string {
  const dir = join(work, `d${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, name), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return dir;
}

const REFERENCE_COMMAND = [process.execPath, REFERENCE, '--port', '{port}'];

describe('a run from the configuration file', () => {
  test('its command, selection and reporters, destinations relative to the file', async () => {
    const dir = dirWith({ spec: '2025-12-11', command: REFERENCE_COMMAND, only: ['BIND-1'], warmup: false, reporters: [{ reporter: 'tap' }, { reporter: 'json', destination: 'out/report.json' }] });
    mkdirSync(join(dir, 'out'));
    const run = await runCli([], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^TAP version 14\nok 1 - BIND-1 /);
    const report = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8')) as Report;
    assert.deepEqual([report.candidate.argv, report.options.selected, report.options.warmup], [REFERENCE_COMMAND, ['BIND-1'], false]);
  });

  test('the command line wins: --reporter replaces the reporters, --only the selection, -- the command', async () => {
    const dir = dirWith({ command: ['no-such-gateway', '{port}'], only: ['CRASH-*'], warmup: false, reporters: [{ reporter: 'json', destination: 'never.json' }] });
    const run = await runCli(['--reporter', 'spec', '--only', 'BIND-1', '--', ...REFERENCE_COMMAND], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^PASS {2}BIND-1 /m);
    assert.equal(existsSync(join(dir, 'never.json')), false);
  });

  test('--config names a file elsewhere; its baseline and cwd are relative to it', () => {
    const dir = dirWith({ expectedFailures: 'baseline.txt', cwd: 'sub', env: { A: '1', B: '2' }, strict: true, trials: 3 }, 'ci.json');
    writeFileSync(join(dir, 'baseline.txt'), 'CRASH-4 # known\n');
    const request = parseCommandLine(['--config', join(dir, 'ci.json'), '--env', 'B=3', '--trials', '7'], { cwd: ROOT });
    assert.deepEqual(request.run.expectedFailures, ['CRASH-4']);
    assert.equal(request.run.cwd, join(dir, 'sub'));
    assert.deepEqual(request.run.env, { A: '1', B: '3' }, '--env adds to env and wins');
    assert.deepEqual([request.run.strict, request.run.trials], [true, 7]);
    assert.deepEqual(request.outputs.map((o) => [o.reporter, o.destination]), [['spec', 'stdout']]);
  });

  test('no file in the current directory: nothing is read', () => {
    const request = parseCommandLine(['--trials', '2'], { cwd: work });
    assert.equal(request.config, undefined);
  });
});

describe('a bad configuration is one line naming the key', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unknown key', { trails: 5 }, /^gateway-lock\.config\.json: unknown key 'trails' \(known keys: spec, specFromFile, optOutEnv, command, env, /],
    ['a nested unknown key', { reporters: [{ reporter: 'tap', dest: 'x' }] }, /^gateway-lock\.config\.json: unknown key 'reporters\[0\]\.dest'$/],
    ['a string for a number', { trials: '5' }, /^gateway-lock\.config\.json: 'trials' must be integer$/],
    ['zero trials', { trials: 0 }, /^gateway-lock\.config\.json: 'trials' must be >= 1$/],
    ['an unknown reporter', { reporters: [{ reporter: 'xml' }] }, /^gateway-lock\.config\.json: 'reporters\[0\]\.reporter' must be equal to one of the allowed values$/],
    ['a command that is a string', { command: 'gw --port {port}' }, /^gateway-lock\.config\.json: 'command' must be array$/],
    ['a baseline of numbers', { expectedFailures: 4 }, /^gateway-lock\.config\.json: 'expectedFailures' is not valid: The baseline: a file of IDs/],
    ['an unknown requirement in the baseline', { expectedFailures: ['BIND-9'] }, /^gateway-lock\.config\.json: 'expectedFailures' names unknown requirements: BIND-9$/],
    ['a selection that matches nothing', { only: ['NOPE-1'] }, /^gateway-lock\.config\.json: 'only' matches no requirement: NOPE-1$/],
    ['another spec version', { spec: '2030-01-01' }, /^gateway-lock\.config\.json: 'spec' is 2030-01-01, but this harness implements spec revisions 2025-12-11, file-lock-2026-02, openclaw-2026\.9: /],
    ['a bad regular expression', { readyPattern: '(' }, /^gateway-lock\.config\.json: 'readyPattern' is not a valid regular expression: /],
    ['not JSON', '{ "trials": 5, }', /^gateway-lock\.config\.json: not valid JSON: /],
    ['not an object', '[]', /^gateway-lock\.config\.json: the configuration must be object$/],
  ];
  for (const [name, config, message] of cases) {
    test(name, () => {
      const dir = dirWith(config);
      assert.throws(() => parseCommandLine([], { cwd: dir }), (error: unknown) => error instanceof UsageError && message.test(error.message) && !error.message.includes('\n'));
    });
  }

  test('from the CLI: exit 2, one line, no stack trace; --config of a missing file', async () => {
    const dir = dirWith({ trials: 'many' });
    const run = await runCli([], { cwd: dir });
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "gateway-lock-conformance: gateway-lock.config.json: 'trials' must be integer\n");
    const missing = await runCli(['--config', 'nope.json'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'gateway-lock-conformance: cannot read --config nope.json: ENOENT\n');
  });
});

test("the README's example configuration is valid", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- config example -->\n```json\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(block, 'the README has an example marked <!-- config example -->');
  const dir = dirWith(block[1]!);
  const config = loadConfig(join(dir, 'gateway-lock.config.json'));
  assert.ok(config.values.command && config.values.reporters);
});
