/**
 * The mutation suite: the harness runs every fixture of fixtures/catalog.json and must report
 * exactly the entry's `expectFail` set: a surviving mutant or a false failure fails this test.
 * Prints the kill matrix (fixture x ID); fixtures/README.md holds the same matrix, checked fresh
 * (regenerate with UPDATE_FIXTURE_MATRIX=1).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { parseCommandLine } from '../harness/cli-args.js';
import { CATALOGUE } from '../harness/catalog.js';
import { resolveRun } from '../harness/config.js';
import { runConformance } from '../harness/index.js';
import type { Report } from '../harness/report.js';
import { DEFAULT_GATEWAY_PORT, waitForDefaultPort } from '../harness/run/ports.js';
import { ROOT, processesWith } from './helpers/cli.js';

interface Fixture {
  name: string;
  kind: 'good' | 'broken';
  language: string;
  description: string;
  argv: string[];
  expectFail: string[];
  build?: { cc: string };
  harnessArgs?: string[];
  /**
   * Binds 18789 in every check, outside BIND-2: the self-test holds the harness's host-wide
   * 18789 lock while it runs, so no BIND-2 of any harness run on the host overlaps it.
   */
  bindsDefaultPort?: boolean;
  /** Its defect makes checks wait out budgets: started first, so it does not finish last. */
  slow?: boolean;
}

const FIXTURES_DIR = join(ROOT, 'fixtures');
const README = join(FIXTURES_DIR, 'README.md');
const fixtures: Fixture[] = JSON.parse(readFileSync(join(FIXTURES_DIR, 'catalog.json'), 'utf8')).fixtures;
const IDS = CATALOGUE.requirements.map((r) => r.id);
/** Trials per timing check: the defects are deterministic, three keep a true median. */
const SELF_TEST_ARGS = ['--trials', '3', '--concurrency', '2'];
const PARALLEL_RUNS = 4;

const buildDir = mkdtempSync(join(tmpdir(), 'glc-fixture-build-'));
/** Where the mutant's --artefacts tmp-held and tmp-pid-named write, in the hard-coded /tmp. */
const MUTANT_TMP_DIRS = [`/tmp/mutant-gateway-${process.getuid?.() ?? 0}`, `/tmp/mutant-gateway-locks-${process.getuid?.() ?? 0}`];
process.on('exit', () => {
  for (const dir of [buildDir, ...MUTANT_TMP_DIRS]) rmSync(dir, { recursive: true, force: true });
});

function fill(word: string, bin: string | undefined): string {
  return word
    .replaceAll('{node}', process.execPath)
    .replaceAll('{python}', 'python3')
    .replaceAll('{fixtures}', FIXTURES_DIR)
    .replaceAll('{reference}', join(ROOT, 'dist/reference-impl/cli.js'))
    .replaceAll('{bin}', bin ?? '{bin}');
}

function build(fixture: Fixture): string | undefined {
  if (!fixture.build) return undefined;
  const out = join(buildDir, fixture.name);
  execFileSync(process.env.CC || 'cc', ['-O2', '-o', out, join(ROOT, fixture.build.cc)], { stdio: 'pipe' });
  return out;
}

/** The kill matrix: a row per fixture, a column per ID; F fails, . passes, - is not run (--only). */
export function matrix(rows: { name: string; failing: string[]; selected: string[] }[]): string {
  const header = `| fixture | ${IDS.join(' | ')} |`;
  const rule = `|---|${IDS.map(() => ':-:').join('|')}|`;
  const cell = (r: (typeof rows)[number], id: string) => (r.failing.includes(id) ? 'F' : r.selected.includes(id) ? '.' : '-');
  const lines = rows.map((r) => `| ${r.name} | ${IDS.map((id) => cell(r, id)).join(' | ')} |`);
  const killed = IDS.map((id) => rows.filter((r) => r.failing.includes(id)).length);
  return [header, rule, ...lines, `| **kills** | ${killed.join(' | ')} |`].join('\n');
}

/** The IDs an entry's harnessArgs select (all of them without --only or --skip). */
function selectedIds(fixture: Fixture): string[] {
  const request = parseCommandLine([...(fixture.harnessArgs ?? []), '--', process.execPath, '{port}']);
  return resolveRun(request.run).checks.map((c) => c.id);
}

const expectedMatrix = () => matrix(fixtures.map((f) => ({ name: f.name, failing: f.expectFail, selected: selectedIds(f) })));

describe('the fixture catalogue', () => {
  test('entries are well formed', () => {
    assert.ok(fixtures.length >= 20, `${fixtures.length} fixtures`);
    assert.equal(new Set(fixtures.map((f) => f.name)).size, fixtures.length, 'unique names');
    for (const f of fixtures) {
      assert.ok(f.argv.some((w) => w.includes('{port}')), `${f.name}: argv uses {port}`);
      for (const id of f.expectFail) assert.ok(selectedIds(f).includes(id), `${f.name}: ${id} is unknown or not selected by its harnessArgs`);
      if (f.bindsDefaultPort) assert.ok(!selectedIds(f).includes('BIND-2'), `${f.name}: binds 18789 while holding the lock BIND-2 needs: --skip BIND-2`);
      if (f.kind === 'good') assert.deepEqual(f.expectFail, [], `${f.name}: a good fixture fails nothing`);
      else assert.ok(f.expectFail.length > 0, `${f.name}: a broken fixture fails something`);
    }
  });

  test('together the broken fixtures fail every requirement, MUST and SHOULD', () => {
    const killed = new Set(fixtures.flatMap((f) => f.expectFail));
    assert.deepEqual(IDS.filter((id) => !killed.has(id)), []);
  });

  test('fixtures/README.md holds the current kill matrix', () => {
    const text = readFileSync(README, 'utf8');
    const fresh = text.replace(/(<!-- matrix:start -->\n)[\s\S]*?(<!-- matrix:end -->)/, `$1${expectedMatrix()}\n$2`);
    if (process.env.UPDATE_FIXTURE_MATRIX) writeFileSync(README, fresh);
    assert.equal(text, fresh, 'run UPDATE_FIXTURE_MATRIX=1 npm test to regenerate the matrix');
  });
});

const observed = new Map<string, { failing: string[]; selected: string[] }>();

/** Longest a run waits for another harness run's BIND-2 to give up the 18789 lock. */
const DEFAULT_PORT_LOCK_WAIT_MS = 300_000;

async function harness(fixture: Fixture, args: string[]): Promise<Report> {
  const request = parseCommandLine(args);
  if (!fixture.bindsDefaultPort) return runConformance(request.run);
  const lock = await waitForDefaultPort(DEFAULT_PORT_LOCK_WAIT_MS);
  assert.ok(lock, `${fixture.name}: another harness run held port ${DEFAULT_GATEWAY_PORT} for ${DEFAULT_PORT_LOCK_WAIT_MS} ms`);
  try {
    return await runConformance(request.run);
  } finally {
    lock.release();
  }
}

/**
 * Judges one entry. A `skip` of an id in `expectFail` (the environment cannot run that check:
 * BIND-2 while 18789 is busy, BINDFAIL-1 without an injection method) is no kill and no pass:
 * once every other id matched, the entry's test is reported skipped, naming the check and why
 * (fixtures/README.md states the same rule).
 */
async function judge(fixture: Fixture, t: TestContext): Promise<void> {
  const bin = build(fixture);
  const argv = fixture.argv.map((w) => fill(w, bin));
  const report = await harness(fixture, [...SELF_TEST_ARGS, ...(fixture.harnessArgs ?? []), '--', ...argv]);
  const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  observed.set(fixture.name, { failing, selected: report.options.selected });
  if (process.env.FIXTURE_REPORTS) writeFileSync(join(process.env.FIXTURE_REPORTS, `${fixture.name}.json`), JSON.stringify(report, null, 2));
  const errors = report.checks.filter((c) => c.status === 'error');
  assert.deepEqual(errors.map((c) => `${c.id}: ${c.message}`), [], `${fixture.name}: harness errors`);
  const explain = (ids: string[]) => ids.map((id) => `${id}: ${report.checks.find((c) => c.id === id)?.message ?? 'not run'}`).join('\n  ');
  const falseFailures = failing.filter((id) => !fixture.expectFail.includes(id));
  const notJudged = report.checks.filter((c) => c.status === 'skip' && fixture.expectFail.includes(c.id));
  const survivors = fixture.expectFail.filter((id) => !failing.includes(id) && !notJudged.some((c) => c.id === id));
  assert.deepEqual(
    { falseFailures, survivors },
    { falseFailures: [], survivors: [] },
    `${fixture.name}:\n  false failures:\n  ${explain(falseFailures)}\n  survivors:\n  ${explain(survivors)}`,
  );
  if (notJudged.length > 0) t.skip(`not judged on this host: ${notJudged.map((c) => `${c.id} skipped (${c.message})`).join('; ')}`);
}

describe('the harness judges every fixture exactly as catalogued', () => {
  after(() => {
    const rows = fixtures.filter((f) => observed.has(f.name)).map((f) => ({ name: f.name, ...observed.get(f.name)! }));
    console.log(`kill matrix (observed):\n${matrix(rows)}`);
    assert.deepEqual(processesWith(FIXTURES_DIR), [], 'fixture processes outlived the harness');
  });

  describe('side by side', { concurrency: PARALLEL_RUNS }, () => {
    // First what holds the 18789 lock (others' BIND-2 waits for it), then what waits out budgets.
    const rank = (f: Fixture) => (f.bindsDefaultPort ? 0 : f.slow ? 1 : 2);
    for (const fixture of [...fixtures].sort((a, b) => rank(a) - rank(b))) {
      test(`${fixture.name} (${fixture.kind}) fails exactly [${fixture.expectFail.join(', ')}]`, { timeout: 600_000 }, (t) => judge(fixture, t));
    }
  });
});
