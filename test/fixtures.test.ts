/**
 * The mutation suite: the harness runs every fixture of fixtures/catalog.json against the entry's
 * spec revision (`spec`, default 2025-12-11) and must report exactly the entry's `expectFail`
 * set: a surviving mutant or a false failure fails this test. Per revision, the broken entries
 * together fail every ID of the revision and the good ones pass every ID. Every entry runs with
 * shared planning and early stop (the defaults). The entries of a fixed rotation, which per
 * revision together fail every ID, also run --isolated and must give identical statuses: a
 * planning that changes a verdict fails it. The soak (FIXTURE_PLANNINGS=all) runs every entry
 * every way, --no-early-stop too: an early stop that changes a verdict fails it. Prints a kill
 * matrix (fixture x ID) per revision; fixtures/README.md holds the same matrices, checked fresh
 * (regenerate with npm run fixtures:readme).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { parseCommandLine } from '../harness/cli-args.js';
import { REVISIONS } from '../harness/catalog.js';
import { runConformance } from '../harness/index.js';
import type { Report } from '../harness/report.js';
import { DEFAULT_GATEWAY_PORT, waitForDefaultPort } from '../harness/run/ports.js';
import { ROOT, processesWith } from './helpers/cli.js';
import { FIXTURES, FIXTURES_DIR, README, byRevision, freshReadme, harnessOptions, matrix, missingMatrices, selectedIds, specOf, type Fixture } from './helpers/fixture-matrix.js';


// The candidates are not what c8 measures here: under `npm test` every mutant would write a V8
// coverage file at its exit (about 1200 files, 530 MB a run), CPU that the entries' timings
// share, and input that c8's report then reads. The harness runs in this process, still measured.
delete process.env.NODE_V8_COVERAGE;

const fixtures = FIXTURES;
/**
 * The default trials (5, with early stop: a clear series ends after 3) and --concurrency (the
 * cores, at most 2): the soak proves they change no verdict under load.
 */
const SELF_TEST_ARGS: string[] = [];
const PARALLEL_RUNS = 4;

const buildDir = mkdtempSync(join(tmpdir(), 'glc-fixture-build-'));
/** Where the mutant's --artefacts tmp-held and tmp-pid-named write, in the hard-coded /tmp. */
const MUTANT_TMP_DIRS = [
  `/tmp/mutant-gateway-${process.getuid?.() ?? 0}`,
  `/tmp/mutant-gateway-locks-${process.getuid?.() ?? 0}`,
  `/var/tmp/mutant-gateway-locks-${process.getuid?.() ?? 0}`,
  // The user-set TMPDIRs of node-artefact-user-tmpdir and node-artefact-launcher-tmpdir.
  '/tmp/mutant-gateway-ci-tmp',
  '/tmp/mutant-gateway-launcher-tmp',
];
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

describe('the fixture catalogue', () => {
  test('entries are well formed', () => {
    assert.ok(fixtures.length >= 20, `${fixtures.length} fixtures`);
    assert.equal(new Set(fixtures.map((f) => f.name)).size, fixtures.length, 'unique names');
    for (const f of fixtures) {
      assert.ok(REVISIONS.some((r) => r.id === specOf(f)), `${f.name}: spec ${f.spec} is no spec revision`);
      assert.ok(!(f.harnessArgs ?? []).includes('--spec'), `${f.name}: the revision goes in 'spec', not in harnessArgs`);
      assert.ok(f.argv.some((w) => w.includes('{port}')), `${f.name}: argv uses {port}`);
      for (const id of f.expectFail) assert.ok(selectedIds(f).includes(id), `${f.name}: ${id} is unknown or not selected by its harnessArgs`);
      if (f.bindsDefaultPort) assert.ok(!selectedIds(f).includes('BIND-2'), `${f.name}: binds 18789 while holding the lock BIND-2 needs: --skip BIND-2`);
      if (f.kind === 'good') assert.deepEqual(f.expectFail, [], `${f.name}: a good fixture fails nothing`);
      else assert.ok(f.expectFail.length > 0, `${f.name}: a broken fixture fails something`);
    }
  });

  test('the rotation run every way in npm test fails every ID of every revision too, and holds a good entry of each', () => {
    for (const { id: revision, ids, fixtures: entries } of byRevision(fixtures)) {
      const picked = rotation(entries);
      assert.deepEqual(ids.filter((id) => !picked.some((f) => f.expectFail.includes(id))), [], `${revision}: IDs the rotation does not fail`);
      assert.ok(picked.some((f) => f.kind === 'good'), `${revision}: a good entry in the rotation`);
      console.log(`rotation of ${revision} (shared and isolated): ${picked.map((f) => f.name).join(', ')}`);
    }
  });

  test('per revision, the broken fixtures fail every ID (MUST and SHOULD) and the good ones pass every ID', () => {
    for (const { id: revision, ids, fixtures: entries } of byRevision(fixtures)) {
      const killed = new Set(entries.flatMap((f) => f.expectFail));
      assert.deepEqual(ids.filter((id) => !killed.has(id)), [], `${revision}: IDs no broken entry of the revision fails`);
      const passed = new Set(entries.filter((f) => f.kind === 'good').flatMap(selectedIds));
      assert.deepEqual(ids.filter((id) => !passed.has(id)), [], `${revision}: IDs no good entry of the revision runs`);
    }
  });

  test('fixtures/README.md holds the current kill matrix of every revision', () => {
    const text = readFileSync(README, 'utf8');
    assert.deepEqual(missingMatrices(text), [], 'a <!-- matrix:<revision>:start --> ... end block per revision');
    assert.equal(text, freshReadme(text), 'run npm run fixtures:readme to regenerate the matrices');
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

/** Ways the self-test runs an entry: their verdicts must be identical. The first is the default. */
const PLANNINGS = [
  { name: 'shared', args: [] as string[] },
  { name: 'isolated', args: ['--isolated'] },
  { name: 'fixed-trials', args: ['--no-early-stop'] },
];
const EVERY_PLANNING = process.env.FIXTURE_PLANNINGS === 'all';

/**
 * The entries of one revision run both ways in npm test: its first good entry, then a smallest set
 * of its broken ones that together fail every ID (an exact set cover, found by branching on the
 * killers of the first uncovered ID; among the smallest, the one with the fewest entries marked
 * slow, then the first in catalogue order). So isolated planning is proven to keep every kind of
 * kill, and a correct gateway's passes, on every run of npm test, with as few doubled runs as
 * that takes.
 */
function rotation(entries: Fixture[]): Fixture[] {
  const broken = entries.filter((f) => f.kind === 'broken');
  const ids = [...new Set(broken.flatMap((f) => f.expectFail))];
  const slowCount = (set: Fixture[]) => set.filter((f) => f.slow).length;
  let best: Fixture[] | undefined;
  const search = (chosen: Fixture[], limit: number): void => {
    const uncovered = ids.find((id) => !chosen.some((f) => f.expectFail.includes(id)));
    if (uncovered === undefined) {
      if (!best || slowCount(chosen) < slowCount(best)) best = [...chosen];
      return;
    }
    if (chosen.length === limit) return;
    for (const killer of broken.filter((f) => f.expectFail.includes(uncovered) && !chosen.includes(f))) search([...chosen, killer], limit);
  };
  for (let limit = 1; !best && limit <= broken.length; limit++) search([], limit);
  const order = (f: Fixture) => entries.indexOf(f);
  return [...entries.filter((f) => f.kind === 'good').slice(0, 1), ...(best ?? []).sort((a, b) => order(a) - order(b))];
}
const ROTATION = new Set(byRevision(fixtures).flatMap((group) => rotation(group.fixtures)).map((f) => f.name));
/**
 * npm test: every entry shared, the rotation also isolated; the soak: every entry every way. An
 * entry that selects one check plans the same runs both ways (one check: its scenarios, once),
 * so its isolated run would repeat the shared one: it counts for the rotation, run once.
 */
const planningsOf = (fixture: Fixture) => {
  if (EVERY_PLANNING) return PLANNINGS;
  return ROTATION.has(fixture.name) && selectedIds(fixture).length > 1 ? PLANNINGS.slice(0, 2) : PLANNINGS.slice(0, 1);
};

/**
 * Judges one entry, with shared planning and (rotation, soak) --isolated and --no-early-stop:
 * each run must report exactly the entry's `expectFail`, and all must agree on every status. A `skip` of an id in
 * `expectFail` (the environment cannot run that check: BIND-2 while 18789 is busy, BINDFAIL-1
 * without an injection method) is no kill and no pass: once every other id matched, the entry's
 * test is reported skipped, naming the check and why (fixtures/README.md states the same rule).
 */
async function judge(fixture: Fixture, t: TestContext): Promise<void> {
  const bin = build(fixture);
  const argv = fixture.argv.map((w) => fill(w, bin));
  const statuses = new Map<string, string>();
  const notJudged = new Set<string>();
  for (const planning of planningsOf(fixture)) {
    const report = await harness(fixture, [...SELF_TEST_ARGS, ...planning.args, ...harnessOptions(fixture), '--', ...argv]);
    const name = `${fixture.name} (${planning.name})`;
    const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    if (planning.name === 'shared') observed.set(fixture.name, { failing, selected: report.options.selected });
    if (process.env.FIXTURE_REPORTS) writeFileSync(join(process.env.FIXTURE_REPORTS, `${fixture.name}.${planning.name}.json`), JSON.stringify(report, null, 2));
    const errors = report.checks.filter((c) => c.status === 'error');
    assert.deepEqual(errors.map((c) => `${c.id}: ${c.message}`), [], `${name}: harness errors`);
    const explain = (ids: string[]) => ids.map((id) => `${id}: ${report.checks.find((c) => c.id === id)?.message ?? 'not run'}`).join('\n  ');
    const falseFailures = failing.filter((id) => !fixture.expectFail.includes(id));
    const skipped = report.checks.filter((c) => c.status === 'skip' && fixture.expectFail.includes(c.id));
    const survivors = fixture.expectFail.filter((id) => !failing.includes(id) && !skipped.some((c) => c.id === id));
    assert.deepEqual(
      { falseFailures, survivors },
      { falseFailures: [], survivors: [] },
      `${name}:\n  false failures:\n  ${explain(falseFailures)}\n  survivors:\n  ${explain(survivors)}`,
    );
    for (const c of skipped) notJudged.add(`${c.id} skipped (${c.message})`);
    if (statuses.size === 0) for (const c of report.checks) statuses.set(c.id, c.status);
    else {
      const differing = report.checks.filter((c) => statuses.get(c.id) !== c.status).map((c) => `${c.id}: shared ${statuses.get(c.id)}, ${planning.name} ${c.status} (${c.message})`);
      assert.deepEqual(differing, [], `${fixture.name}: shared and ${planning.name} disagree`);
    }
  }
  if (notJudged.size > 0) t.skip(`not judged on this host: ${[...notJudged].join('; ')}`);
}

describe('the harness judges every fixture exactly as catalogued', () => {
  after(() => {
    for (const { id: revision, ids, fixtures: entries } of byRevision(fixtures)) {
      const rows = entries.filter((f) => observed.has(f.name)).map((f) => ({ name: f.name, ...observed.get(f.name)! }));
      console.log(`kill matrix of ${revision} (observed):\n${matrix(ids, rows)}`);
    }
    assert.deepEqual(processesWith(FIXTURES_DIR), [], 'fixture processes outlived the harness');
  });

  describe('side by side', { concurrency: PARALLEL_RUNS }, () => {
    // First what holds the 18789 lock (others' BIND-2 waits for it), then what waits out budgets.
    const rank = (f: Fixture) => (f.bindsDefaultPort ? 0 : f.slow ? 1 : 2);
    for (const fixture of [...fixtures].sort((a, b) => rank(a) - rank(b))) {
      const ways = planningsOf(fixture).map((p) => p.name).join(', ');
      const spec = fixture.spec ? `, spec ${fixture.spec}` : '';
      test(`${fixture.name} (${fixture.kind}${spec}) fails exactly [${fixture.expectFail.join(', ')}]: ${ways}`, { timeout: 900_000 }, (t) => judge(fixture, t));
    }
  });
});
