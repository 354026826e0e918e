/**
 * Spec revisions as data (spec/revisions/): the generated documents match their sources, an ID
 * means the same in every revision that has it, each revision's checks share the default's plans,
 * a candidate's document declares its revision, the revisions' own criteria hold on synthetic
 * observations (each test quotes the revision's pass criteria), and bad --spec input is one
 * usage line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CATALOGUE, DEFAULT_REVISION, REVISIONS, requirementSection, revision, requirement } from '../harness/catalog.js';
import { observedAs, type Needs } from '../harness/checks/check.js';
import { CHECKS, checksOf, REVISION_CHECKS } from '../harness/checks/index.js';
import { chooseRevision, declaredRevision } from '../harness/config.js';
import { planUnits } from '../harness/engine.js';
import { judgeFailFast, type ConflictInstance, type ConflictObservation, type ConflictRound } from '../harness/judge/conflict.js';
import type { ArtefactObservation, ArtefactRun, CrashObservation } from '../harness/judge/crash.js';
import type { OptOutInstance, OptOutObservation } from '../harness/judge/opt-out.js';
import { documentedWaitMs } from '../harness/judge/revision.js';
import type { Judgement, JudgeSettings } from '../harness/judge/judgement.js';
import { specDocuments } from '../harness/spec-docs.js';
import { assertUsageError, ROOT, runCli } from './helpers/cli.js';
import { quote } from './helpers/spec.js';

const SETTINGS: JudgeSettings = { trials: 3, startupBudgetMs: 30_000, releaseBudgetMs: 1000, exitBudgetMs: 5000, startupCeilingMs: 120_000, timeoutMultiplier: 1, earlyStop: true };
const P = 41_000;
const LOCK = `another gateway instance is already listening on ws://127.0.0.1:${P}`;
const FILELOCK = 'gateway already running (pid 4242); lock timeout after 5000ms';

const judge = (revisionId: string, id: string, observation: unknown): Judgement => {
  const check = checksOf(revision(revisionId)).find((c) => c.id === id)!;
  return check.judge([observation], SETTINGS);
};

describe('the generated documents', () => {
  test('every generated document is what its sources give (run `npm run spec:docs` after editing them)', () => {
    for (const [path, text] of specDocuments()) {
      assert.equal(readFileSync(join(ROOT, path), 'utf8'), text, `${path} differs from its sources: run npm run spec:docs`);
    }
  });

  test("each revision's own requirement has the four labelled parts", () => {
    for (const spec of REVISIONS.filter((r) => !r.isDefault)) {
      const prose = readFileSync(join(ROOT, spec.textPath), 'utf8');
      for (const req of spec.requirements.filter((r) => r.definedBy === spec.id)) {
        const section = requirementSection(prose, req.id);
        assert.ok(section, `${spec.id}: no section for ${req.id}`);
        for (const part of ['**Requirement.**', '**Rationale.**', '**Procedure.**', '**Pass criteria.**']) assert.ok(section.includes(part), `${req.id} lacks ${part}`);
        assert.ok(req.sentence.length > 20, `${req.id} has a requirement sentence`);
      }
    }
  });
});

describe('the registry', () => {
  test('2025-12-11 is the default, its catalogue is requirements.json, its checks are CHECKS', () => {
    assert.equal(REVISIONS[0]!.id, DEFAULT_REVISION);
    assert.equal(CATALOGUE, revision(DEFAULT_REVISION));
    assert.deepEqual(checksOf(revision(DEFAULT_REVISION)), CHECKS, 'the default run judges with the same check objects as before');
  });

  test('an ID means the same in every revision that has it; a changed one has a new ID of its stem and the letter', () => {
    const seen = new Map<string, unknown>();
    for (const spec of REVISIONS) {
      const ids = spec.requirements.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, `${spec.id}: no ID twice`);
      for (const req of spec.requirements) {
        const before = seen.get(req.id);
        if (before) assert.deepEqual(req, before, `${req.id} differs between revisions`);
        seen.set(req.id, req);
        if (req.replaces) {
          assert.equal(req.id, `${req.replaces}${spec.letter}`, `${req.id} replaces ${req.replaces}`);
          assert.ok(!ids.includes(req.replaces), `${spec.id} keeps ${req.replaces} beside its replacement`);
          assert.equal(req.section, requirement(req.replaces).section);
        }
        assert.ok(spec.sections.some((s) => s.id === req.section), `${req.id}: section ${req.section}`);
      }
    }
  });

  test('the report and configuration schemas take every revision\'s IDs', () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'spec/report.schema.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(ROOT, 'spec/config.schema.json'), 'utf8'));
    const id = new RegExp(report.$defs.requirementId.pattern);
    const selection = new RegExp(config.$defs.ids.items.pattern);
    for (const spec of REVISIONS) for (const r of spec.requirements) assert.ok(id.test(r.id) && selection.test(r.id), `${r.id} fits the schemas`);
  });

  test("every revision's requirement has a check, in catalogue order; its own checks observe as a base ID", () => {
    for (const spec of REVISIONS) {
      const checks = checksOf(spec);
      assert.deepEqual(checks.map((c) => c.id), spec.requirements.map((r) => r.id));
      // A revision's own check reads an existing plan's record for a 2025-12-11 ID, or a plan of
      // its own (the opt-out plan), which no default check needs.
      const ownPlans = new Set(CHECKS.flatMap((c) => c.scenarios));
      for (const c of checks.filter((c) => REVISION_CHECKS[c.id])) {
        if (c.observesAs) assert.ok(requirement(c.observesAs), `${c.id} observes as a 2025-12-11 ID`);
        else assert.ok(c.scenarios.every((s) => !ownPlans.has(s)), `${c.id} observes as itself on a plan of its own`);
      }
    }
  });

  test("a revision's checks share one run of each plan, as the default's do; a plan of its own runs once", () => {
    const base = planUnits(CHECKS, false).map((u) => u.scenario.name);
    for (const spec of REVISIONS.filter((r) => !r.isDefault)) {
      const names = planUnits(checksOf(spec), false).map((u) => u.scenario.name);
      assert.deepEqual(names.filter((n) => base.includes(n)), base, `${spec.id}: the same scenario runs`);
      assert.deepEqual(names.filter((n) => !base.includes(n)), ['opt-out'], `${spec.id}: one run of the opt-out plan serves its checks`);
    }
  });

  test('a wrapped plan asks for the base ID and the revision check answers', async () => {
    let asked: { has: boolean; pending: boolean } | undefined;
    const plan = { name: 'stand-in', weight: 1, observe: async (_ctx: never, needs: Needs<unknown>) => ((asked = { has: needs.has('CONFLICT-3'), pending: needs.pending('CONFLICT-3', {}) }), {}) };
    const wrapped = observedAs(plan, new Map([['CONFLICT-3', ['CONFLICT-3F']]]));
    await wrapped.observe({} as never, { ids: new Set(['CONFLICT-3F']), has: (id) => id === 'CONFLICT-3F', pending: (id) => id === 'CONFLICT-3F' });
    assert.deepEqual(asked, { has: true, pending: true });
  });
});

describe('a candidate declares its revision', () => {
  // The first lines of the upstream 2025-12-11 document.
  const seed = '---\nsummary: "Gateway singleton guard using the WebSocket listener bind"\nread_when:\n  - Running or debugging the gateway process\ntitle: "Gateway Lock"\n---\n# Gateway lock\n\nLast updated: 2025-12-11\n';
  test('by a header line: the upstream 2025-12-11 text, the openclaw summary, an explicit spec-revision line first', () => {
    assert.equal(declaredRevision(seed)?.revision.id, '2025-12-11');
    assert.equal(declaredRevision('---\nsummary: "Gateway singleton guard: file lock plus WebSocket/HTTP bind"\ntitle: "Gateway lock"\n---\n\n## Why\n')?.revision.id, 'openclaw-2026.9');
    assert.equal(declaredRevision('---\nspec-revision: file-lock-2026-02\n---\n# Gateway lock\n\nLast updated: 2025-12-11\n')?.revision.id, 'file-lock-2026-02');
    assert.equal(declaredRevision('# Some other lock\n\nLast updated: 2024-01-01\n'), undefined);
    assert.equal(declaredRevision(`${'\n'.repeat(60)}spec-revision: openclaw-2026.9\n`), undefined, 'only the header counts');
  });

  test('--spec auto: the declared revision with the file and its hash, or the default, said so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glc-rev-'));
    try {
      writeFileSync(join(dir, 'lock.md'), '---\nspec-revision: openclaw-2026.9\n---\n');
      writeFileSync(join(dir, 'other.md'), '# nothing declared\n');
      const declared = chooseRevision('auto', 'lock.md', dir);
      assert.equal(declared.spec.id, 'openclaw-2026.9');
      assert.equal(declared.chosen.chosenBy, 'declared');
      assert.match(declared.chosen.declaration!.sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(chooseRevision('auto', 'other.md', dir).chosen, { id: DEFAULT_REVISION, chosenBy: 'undeclared', declaration: { file: join(dir, 'other.md'), sha256: chooseRevision('auto', 'other.md', dir).chosen.declaration!.sha256 } });
      assert.deepEqual(chooseRevision('auto', undefined, dir).chosen, { id: DEFAULT_REVISION, chosenBy: 'undeclared' });
      assert.deepEqual(chooseRevision(undefined, undefined, dir).chosen, { id: DEFAULT_REVISION, chosenBy: 'default' });
      assert.deepEqual(chooseRevision('file-lock-2026-02', undefined, dir).chosen, { id: 'file-lock-2026-02', chosenBy: 'named' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function instance(extra: Partial<ConflictInstance> = {}): ConflictInstance {
  return {
    role: 'second instance (same profile)',
    path: 'same profile',
    port: P,
    exit: { code: 1, signal: null },
    stdout: '',
    stderr: `${FILELOCK}\n`,
    output: `${FILELOCK}\n`,
    timing: { spawnToExitMs: 5300, idleMs: 5050 },
    failFastPatienceMs: 60_000,
    ...extra,
  };
}
const lockInstance = (path: ConflictInstance['path'], extra: Partial<ConflictInstance> = {}) =>
  instance({ role: path, path, stderr: `GatewayLockError: ${LOCK}\n`, output: `GatewayLockError: ${LOCK}\n`, timing: { spawnToExitMs: 150, idleMs: 10, firstFailedBindMs: 100 }, ...extra });

function rounds(same: ConflictInstance, isolated = lockInstance('isolated profile'), kept: ConflictRound['firstKept'] = { held: true, upgrade: { ok: true } }, count = 3): ConflictObservation {
  return {
    rounds: Array.from({ length: count }, () => ({
      first: { ok: true as const, port: P, listenMs: 200, idleUntilListenMs: 20 },
      isolated,
      same,
      firstKept: kept,
      foreign: [lockInstance('foreign occupier')],
    })),
  };
}

describe('file-lock-2026-02 criteria', () => {
  test(quote('CONFLICT-3F', 'On the same-profile path the lock wait W (`lockWaitMs`, 5000 ms) is added to the limits'), () => {
    const waited = rounds(instance());
    assert.equal(judgeFailFast(waited, SETTINGS).status, 'fail', 'CONFLICT-3 fails a 5 s lock wait');
    const allowed = judge('file-lock-2026-02', 'CONFLICT-3F', waited);
    assert.equal(allowed.status, 'pass', JSON.stringify(allowed));
    const longer = judge('file-lock-2026-02', 'CONFLICT-3F', rounds(instance({ timing: { spawnToExitMs: 8000, idleMs: 7500 } })));
    assert.equal(longer.status, 'fail');
    assert.match((longer as { message: string }).message, /same profile: waited 7480 ms .* \+ 5000 ms allowed/);
  });

  test(quote('CONFLICT-3F', 'As CONFLICT-3 on the foreign-occupier and isolated-profile paths'), () => {
    const retried = lockInstance('isolated profile', { timing: { spawnToExitMs: 5150, idleMs: 5000, firstFailedBindMs: 100 } });
    assert.equal(judge('file-lock-2026-02', 'CONFLICT-3F', rounds(instance(), retried)).status, 'fail', 'no allowance off the same-profile path');
  });

  test(quote('CONFLICT-2F', 'B′ exits non-zero within the startup ceiling and never listens'), () => {
    assert.equal(judge('file-lock-2026-02', 'CONFLICT-2F', rounds(instance())).status, 'pass', "the same-profile instance's message is not judged");
    assert.equal(judge('2025-12-11', 'CONFLICT-2', rounds(instance())).status, 'fail', 'CONFLICT-2 asks the LOCK message of it');
    assert.equal(judge('file-lock-2026-02', 'CONFLICT-2F', rounds(instance({ exit: { code: 0, signal: null } }))).status, 'fail');
    assert.equal(judge('file-lock-2026-02', 'CONFLICT-2F', rounds(instance(), lockInstance('isolated profile', { output: 'address in use\n' }))).status, 'fail', 'the isolated instance still owes the LOCK message');
  });

  test(quote('FILELOCK-1', 'one line of its output contains the FILELOCK message'), () => {
    const refused = judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance()));
    assert.equal(refused.status, 'pass', JSON.stringify(refused));
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance({ output: `GatewayLockError: ${LOCK}\n` }))).status, 'fail', 'the LOCK message is not the file lock\'s');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance({ output: 'gateway already running; lock timeout after 5000ms\n' }))).status, 'fail', 'no pid');
  });

  test(quote('FILELOCK-1', 'is at most W + F, its spawn to exit is at most 1.5 × the median baseline spawn-to-LISTEN + W + F'), () => {
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance({ timing: { spawnToExitMs: 9000, idleMs: 8000 } }))).status, 'fail');
    // A lock polled on a loaded host is seldom idle: an 8 s wait with little idle time still fails.
    const busy = judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance({ timing: { spawnToExitMs: 8634, idleMs: 600 } })));
    assert.equal(busy.status, 'fail');
    assert.match((busy as { message: string }).message, /exited 8634 ms after spawn, over 1\.5 x a normal start's 200 ms \+ the lock wait of 5000 ms \+ 1000 ms/);
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance(), undefined, { held: false, upgrade: { ok: true } })).status, 'fail');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', rounds(instance({ listenedOn: `127.0.0.1:${P}`, exit: undefined }))).status, 'fail');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', { rounds: [{ ...rounds(instance()).rounds[0]!, firstKept: undefined }] }).status, 'undecided', 'A is read after B′');
  });

  const crash = (startIdle: number, restartIdle: number): CrashObservation => ({
    phases: [{ signal: 'SIGKILL', port: P, victim: { ok: true, restarted: false, idleUntilListenMs: startIdle }, restart: { ok: true, listenMs: 300, idleUntilListenMs: restartIdle } }],
  });
  test(quote('FILELOCK-2', 'exceeds the killed instance\'s own idle time from spawn to LISTEN by at most the fail-fast budget F'), () => {
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-2', crash(40, 60)).status, 'pass');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-2', crash(40, 5100)).status, 'fail', 'a restart that waited out the stale lock');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-2', { phases: [{ ...crash(40, 60).phases[0]!, restart: { ok: false, failure: { message: 'did not listen' } } }] }).status, 'fail');
  });

  const artefacts = (sigterm: string[], sigkill: string[] = []): ArtefactObservation => {
    const run = (signal: ArtefactRun['signal'], paths: string[]): ArtefactRun => ({
      signal,
      before: [],
      snapshotRoots: [{ path: '/tmp/glc-state-x', depth: 6 }],
      after: paths.map((p) => [p, { ino: 1, mtimeMs: 1, ctimeMs: 1, directory: false }]),
      held: paths.map((p) => [p, 4242]),
      own: ['/tmp/glc-state-x', '/tmp/glc-run-x'],
      pids: [4242],
      spawnEpochMs: 0,
    });
    return { runs: [run('SIGKILL', sigkill), run('SIGTERM', sigterm)] };
  };
  const lockFile = '/tmp/glc-run-x/clawdbot-0/gateway.e0e35f75.lock';

  test(quote('FILELOCK-4', 'no artefact CRASH-4 attributes to the candidate has a file name matching the revision\'s lock file name'), () => {
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-4', artefacts([lockFile])).status, 'fail');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-4', artefacts([], [lockFile])).status, 'pass', 'after SIGKILL it is FILELOCK-2\'s to reclaim');
  });

  test(quote('CRASH-4F', 'is not counted; a note lists it'), () => {
    const judged = judge('file-lock-2026-02', 'CRASH-4F', artefacts([lockFile], [lockFile]));
    assert.equal(judged.status, 'pass');
    assert.match(judged.notes!.join(' '), /not counted: .*gateway\.e0e35f75\.lock/);
    assert.equal(judge('file-lock-2026-02', 'CRASH-4F', artefacts(['/tmp/glc-run-x/gw.pid'])).status, 'fail', 'any other artefact still counts');
    assert.equal(judge('2025-12-11', 'CRASH-4', artefacts([lockFile])).status, 'fail');
  });
});

describe('openclaw-2026.9 criteria', () => {
  test(quote('CONFLICT-3L', 'where binds were traced at most 21 binds of P may fail'), () => {
    const retried = (binds: number, spawnToExitMs: number) =>
      lockInstance('isolated profile', { timing: { spawnToExitMs, idleMs: spawnToExitMs - 300, firstFailedBindMs: 100, failedBinds: binds, failedBindSpanMs: (binds - 1) * 500 } });
    const stateRefusal = instance({ output: 'Gateway failed to start: another OpenClaw process owns gateway-lifecycle\n', timing: { spawnToExitMs: 1800, idleMs: 100 } });
    assert.equal(judge('openclaw-2026.9', 'CONFLICT-3L', rounds(stateRefusal, retried(21, 10_800))).status, 'pass');
    assert.equal(judge('openclaw-2026.9', 'CONFLICT-3L', rounds(stateRefusal, retried(30, 10_800))).status, 'fail', 'more retries than documented');
    assert.equal(judge('openclaw-2026.9', 'CONFLICT-3L', rounds(stateRefusal, retried(21, 20_000))).status, 'fail', 'longer than the retries take');
  });

  test(quote('LAYER-2', "one line of B′'s output contains the lock-timeout message"), () => {
    const doctor = instance({ output: 'Doctor could not enter maintenance. StateDatabaseCoordinatorContentionError: another OpenClaw process owns gateway-lifecycle\n', timing: { spawnToExitMs: 1800, idleMs: 100 } });
    assert.equal(judge('openclaw-2026.9', 'LAYER-1', rounds(doctor)).status, 'pass', 'refused in time, the first kept serving');
    const other = judge('openclaw-2026.9', 'LAYER-2', rounds(doctor));
    assert.equal(other.status, 'fail', 'but not with the documented message');
    assert.match((other as { message: string }).message, /lacks "gateway already running \(pid <pid>\); lock timeout after <ms>ms"(; closest: |; last output: )"Doctor could not enter maintenance/, 'and says what it printed instead');
    assert.equal(judge('openclaw-2026.9', 'LAYER-2', rounds(instance())).status, 'pass');
  });

  test(quote('CRASH-4L', "after the SIGTERM run only when its name ends in .lock.sqlite or is one of the revision's lock file names"), () => {
    const tree = '/tmp/glc-state-x/.openclaw/tmp/openclaw-0';
    const run = (signal: ArtefactRun['signal'], paths: string[]): ArtefactRun => ({
      signal,
      before: [],
      snapshotRoots: [],
      after: paths.map((p) => [p, { ino: 1, mtimeMs: 1, ctimeMs: 1, directory: false }]),
      held: [],
      own: ['/tmp/glc-state-x', '/tmp/glc-run-x'],
      pids: [4242],
      spawnEpochMs: 0,
    });
    const observation = (kill: string[], term: string[]): ArtefactObservation => ({ runs: [run('SIGKILL', kill), run('SIGTERM', term)] });
    assert.equal(judge('openclaw-2026.9', 'CRASH-4L', observation([`${tree}/gateway.state.lock`], [`${tree}/gateway.state.lock.sqlite`])).status, 'pass');
    const kept = judge('openclaw-2026.9', 'CRASH-4L', observation([], [`${tree}/gateway.state.lock`]));
    assert.equal(kept.status, 'pass', 'a lock file after a graceful stop is LAYER-6\'s to fail');
    assert.match(kept.notes!.join(' '), /which LAYER-6 judges/);
    assert.equal(judge('openclaw-2026.9', 'CRASH-4L', observation([], [`${tree}/gateway.pid`])).status, 'fail', 'any other artefact after a graceful stop');
    assert.equal(judge('openclaw-2026.9', 'CRASH-4L', observation([], ['/tmp/glc-run-x/openclaw-0/gateway.state.lock'])).status, 'fail', 'a lock file outside the state dir');
    assert.equal(judge('openclaw-2026.9', 'LAYER-6', observation([], [`${tree}/gateway.state.lock`])).status, 'fail');
    assert.equal(judge('openclaw-2026.9', 'LAYER-6', observation([], [`${tree}/gateway.state.lock.sqlite`])).status, 'pass');
  });
});

describe('the opt-out plan and lock files while running', () => {
  const optOut = (second: Partial<OptOutInstance>, kept: OptOutObservation['firstKept'] = { held: true, upgrade: { ok: true } }): OptOutObservation => ({
    env: { CLAWDBOT_ALLOW_MULTI_GATEWAY: '1' },
    first: { ok: true, port: P, listenMs: 200, idleUntilListenMs: 20 },
    second: { role: 'second instance (same state dir, opt-out)', port: P + 10, spawnToExitMs: Infinity, idleMs: 30, output: '', ...second },
    firstKept: kept,
  });
  const serving = { listenedOn: `127.0.0.1:${P + 10}`, upgrade: { ok: true } };
  const refused = { exit: { code: 1, signal: null }, spawnToExitMs: 5300, idleMs: 5050, output: `${FILELOCK}\n` };

  test(quote('FILELOCK-3', 'Pass when B listens on Q while A still listens on P, both answer the upgrade'), () => {
    const judged = judge('file-lock-2026-02', 'FILELOCK-3', optOut(serving));
    assert.equal(judged.status, 'pass', JSON.stringify(judged));
    assert.match((judged as { message: string }).message, /with CLAWDBOT_ALLOW_MULTI_GATEWAY=1, .* listened on 127\.0\.0\.1:41010/);
    const ignored = judge('file-lock-2026-02', 'FILELOCK-3', optOut(refused));
    assert.equal(ignored.status, 'fail', 'the file lock was enforced although the variable was set');
    assert.match((ignored as { message: string }).message, /did not listen on 41010: exit code 1 5300 ms after spawn: gateway already running/);
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-3', optOut({ ...serving, upgrade: { ok: false, error: 'HTTP 503' } })).status, 'fail', 'B must serve');
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-3', optOut(serving, { held: false, upgrade: { ok: true } })).status, 'fail', 'A must keep its socket');
  });

  test(quote('FILELOCK-3', "B's output does not contain the FILELOCK message"), () => {
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-3', optOut({ ...serving, output: `${FILELOCK}\n` })).status, 'fail');
  });

  test(quote('LAYER-3', 'Pass when B exits non-zero without listening on Q'), () => {
    const layer = (o: OptOutObservation) => judge('openclaw-2026.9', 'LAYER-3', { ...o, env: { OPENCLAW_ALLOW_MULTI_GATEWAY: '1' } });
    assert.equal(layer(optOut(refused)).status, 'pass');
    const off = layer(optOut(serving));
    assert.equal(off.status, 'fail');
    assert.match((off as { message: string }).message, /the opt-out turned state ownership off/);
    assert.equal(layer(optOut({ ...refused, exit: { code: 0, signal: null } })).status, 'fail', 'exit 0 is no refusal');
    assert.equal(layer(optOut({ ...refused, idleMs: 7000 })).status, 'fail', 'over the lock wait + F');
    assert.equal(layer(optOut({ ...refused, idleMs: 100, spawnToExitMs: 9000 })).status, 'fail', 'over 1.5 x startup + the lock wait + F, however little idle');
    assert.equal(layer(optOut(refused, { held: true, upgrade: { ok: false, error: 'ECONNRESET' } })).status, 'fail', 'A must keep serving');
    assert.equal(layer(optOut({ watchedMs: 60_000, hang: 'idle', idleMs: 59_000 })).status, 'fail', 'a hang is no refusal');
  });

  const lockRun = (signal: ArtefactRun['signal'], files: { path: string; head?: string }[], extra: Partial<ArtefactRun> = {}): ArtefactRun => ({
    signal,
    before: [],
    snapshotRoots: [],
    after: [],
    held: [],
    own: ['/tmp/glc-state-x', '/tmp/glc-run-x'],
    pids: [4242, 4243],
    spawnEpochMs: 0,
    port: P,
    whileRunning: files,
    ...extra,
  });
  const both = (files: { path: string; head?: string }[]): ArtefactObservation => ({ runs: [lockRun('SIGKILL', files), lockRun('SIGTERM', files)] });
  const fileLock = (head: unknown, path = '/tmp/glc-run-x/clawdbot-0/gateway.e0e35f75.lock') => ({ path, head: JSON.stringify(head) });

  test(quote('FILELOCK-5', 'exactly one new file matches the lock file name'), () => {
    const good = judge('file-lock-2026-02', 'FILELOCK-5', both([fileLock({ pid: 4243, configPath: '/x/clawdbot.json' })]));
    assert.equal(good.status, 'pass', JSON.stringify(good));
    const none = judge('file-lock-2026-02', 'FILELOCK-5', both([]));
    assert.match((none as { message: string }).message, /^\(every run\) 0 files named gateway\.\[0-9a-f\]\{8\}\.lock while it ran$/);
    const two = both([fileLock({ pid: 4242, configPath: 'a' }), fileLock({ pid: 4242, configPath: 'a' }, '/tmp/glc-run-x/clawdbot-0/gateway.00000000.lock')]);
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-5', two).status, 'fail', 'two lock files for one config');
    const foreign = both([fileLock({ pid: 4242, configPath: 'a' }), fileLock({ pid: 999, configPath: 'b' }, '/tmp/other/gateway.00000000.lock')]);
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-5', foreign).status, 'pass', "another program's lock file in a shared place is not the candidate's");
  });

  test(quote('FILELOCK-5', "its content is a JSON object whose `pid` is one of the candidate's processes"), () => {
    const judged = (head: unknown) => judge('file-lock-2026-02', 'FILELOCK-5', both([fileLock(head)]));
    assert.match((judged({ pid: 999, configPath: 'a' }) as { message: string }).message, /names pid 999, not one of the gateway's processes \(4242, 4243\)/);
    assert.match((judged({ pid: 4242 }) as { message: string }).message, /has no 'configPath'/);
    assert.match((judged([4242]) as { message: string }).message, /not a JSON object/);
    const text = judge('file-lock-2026-02', 'FILELOCK-5', both([{ path: '/tmp/glc-run-x/x-0/gateway.e0e35f75.lock', head: '4242\n' }]));
    assert.match((text as { message: string }).message, /not a JSON object|is not JSON/);
  });

  test(quote('LAYER-5', "inside the profile's state dir under a `tmp/<name>-<uid>/` directory"), () => {
    const tree = '/tmp/glc-state-x/.openclaw/tmp/openclaw-0';
    const files = (port: number, dir = tree) => [
      { path: `${dir}/gateway.state.lock`, head: JSON.stringify({ pid: 4242, port }) },
      { path: `${dir}/gateway.1a2b3c4d.lock`, head: JSON.stringify({ pid: 4242, port }) },
      { path: `${dir}/gateway.state.lock.sqlite`, head: 'SQLite format 3' },
    ];
    const good = judge('openclaw-2026.9', 'LAYER-5', both(files(P)));
    assert.equal(good.status, 'pass', JSON.stringify(good));
    assert.match((judge('openclaw-2026.9', 'LAYER-5', both(files(P + 1))) as { message: string }).message, /names port 41001, not 41000/);
    const outside = judge('openclaw-2026.9', 'LAYER-5', both(files(P, '/tmp/glc-run-x/openclaw-0')));
    assert.equal(outside.status, 'fail', 'the lock tree is inside the state dir');
    assert.match((outside as { message: string }).message, /0 files named gateway\.state\.lock in the state dir's lock tree .*; elsewhere: \/tmp\/glc-run-x\/openclaw-0\/gateway\.state\.lock/);
  });
});

describe('a documented wait is waited for', () => {
  test("the watch of an instance on a taken port and the hang sign's idle budget grow by the revision's lock wait and bind retries", async () => {
    const { hangLimits } = await import('../harness/judge/hang.js');
    const { failFastPatienceMs } = await import('../harness/judge/fail-fast.js');
    const base = { startupMs: [100], idleMs: [10] };
    const seed = hangLimits(base, SETTINGS);
    const layers = hangLimits(base, { ...SETTINGS, documentedWaitMs: documentedWaitMs(revision('openclaw-2026.9').params) });
    assert.equal(documentedWaitMs(revision('openclaw-2026.9').params), 17_000, 'a 5 s lock wait and 12 s of bind retries');
    assert.equal(documentedWaitMs(revision(DEFAULT_REVISION).params), 0);
    assert.equal(layers.patienceMs - seed.patienceMs, 17_000);
    assert.equal(layers.idleBudgetMs - seed.idleBudgetMs, 17_000);
    assert.ok(failFastPatienceMs(100, { ...SETTINGS, documentedWaitMs: 5000 }) > 5000 + 1000, "a fast gateway's 5 s lock wait is inside the patience");
  });

  test('the retry-loop rule takes the bind retries a revision allows, and no more', () => {
    const looping = (binds: number) => lockInstance('foreign occupier', { timing: { spawnToExitMs: 100 + (binds - 1) * 500 + 50, idleMs: (binds - 1) * 500, firstFailedBindMs: 100, failedBinds: binds, failedBindSpanMs: (binds - 1) * 500 } });
    const one = (foreign: ConflictInstance): ConflictObservation => ({ rounds: [{ ...rounds(instance({ timing: { spawnToExitMs: 300, idleMs: 50 } })).rounds[0]!, foreign: [foreign] }] });
    const seed = judgeFailFast(one(looping(21)), SETTINGS);
    assert.equal(seed.status, 'fail', 'decided in round 1 on the seed');
    assert.match((seed as { message: string }).message, /a retry loop, 21 binds of port P failed over 10\.0 s/);
    const layers = judge('openclaw-2026.9', 'CONFLICT-3L', one(looping(21)));
    assert.notEqual(layers.status, 'fail', `20 documented retries are no retry loop: ${JSON.stringify(layers)}`);
    const more = judge('openclaw-2026.9', 'CONFLICT-3L', one(looping(30)));
    assert.equal(more.status, 'fail', '29 retries over 14.5 s are');
    assert.match((more as { message: string }).message, /a retry loop, 30 binds of port P failed over 14\.5 s, .*budget 1000 ms \+ 12000 ms allowed/);
  });

  test(quote('FILELOCK-1', 'one line of its output contains the FILELOCK message'), () => {
    const observation = (pids: number[]) => {
      const o = rounds(instance());
      o.rounds[0]!.firstPids = pids;
      return o;
    };
    assert.equal(judge('file-lock-2026-02', 'FILELOCK-1', observation([4241, 4242])).status, 'pass', 'the message names the first instance (pid 4242)');
    const stranger = judge('file-lock-2026-02', 'FILELOCK-1', observation([5000]));
    assert.equal(stranger.status, 'fail');
    assert.match((stranger as { message: string }).message, /names pid 4242, not a process of the first instance \(5000\)/);
  });
});

describe('inherited variables that turn a lock off', () => {
  // A gateway that says what it got: NODE_ENV=test turns clawdbot's and openclaw's file locks off.
  const gateway = ['node', '-e', "require('http').createServer((q, r) => { r.statusCode = 426; r.end(); }).listen(+process.argv[1], '127.0.0.1', () => console.log('NODE_ENV=' + process.env.NODE_ENV + ' VITEST=' + process.env.VITEST))", '{port}'];
  const run = async (extra: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'glc-env-'));
    try {
      const json = join(dir, 'r.json');
      const done = await runCli(['--only', 'BIND-1', '--reporter', 'json', '--reporter-destination', json, ...extra, '--', ...gateway], { env: { NODE_ENV: 'test', VITEST: 'true' } });
      assert.equal(done.code, 0, done.stderr);
      return readFileSync(json, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test("are not passed on, and the report says so; --env sets one on purpose", async () => {
    const plain = await run([]);
    assert.match(plain, /NODE_ENV=undefined VITEST=undefined/);
    assert.match(plain, /not passed on to the candidate \(they turn a lock off; --env sets them on purpose\): (VITEST=true NODE_ENV=test|NODE_ENV=test VITEST=true)/);
    const chosen = await run(['--env', 'NODE_ENV=test']);
    assert.match(chosen, /NODE_ENV=test VITEST=undefined/);
  });
});

describe('--spec on the command line', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown revision', ['--spec', 'nope', '--list'], /^gateway-lock-conformance: --spec names no spec revision: 'nope' \(known: 2025-12-11, file-lock-2026-02, openclaw-2026\.9, auto\)$/],
    ['an empty revision', ['--spec', '', '--list'], /^gateway-lock-conformance: --spec takes a spec revision or auto, got ''$/],
    ['a document with a named revision', ['--spec', 'file-lock-2026-02', '--spec-from-file', 'x.md', '--list'], /--spec-from-file is read only with --spec auto, not with --spec file-lock-2026-02$/],
    ['an unreadable document', ['--spec', 'auto', '--spec-from-file', '/nonexistent/lock.md', '--list'], /^gateway-lock-conformance: cannot read --spec-from-file \/nonexistent\/lock\.md: ENOENT$/],
    ["another revision's ID", ['--only', 'FILELOCK-1', '--list'], /--only matches no requirement: FILELOCK-1 \(FILELOCK-1 is a requirement of file-lock-2026-02\)$/],
    ['an opt-out variable without a value', ['--spec', 'file-lock-2026-02', '--opt-out-env', 'GATEWAY_MULTI', '--dry-run'], /^gateway-lock-conformance: --opt-out-env takes K=V, got 'GATEWAY_MULTI'$/],
    ['an opt-out variable for a revision without one', ['--opt-out-env', 'GATEWAY_MULTI=1', '--dry-run'], /^gateway-lock-conformance: --opt-out-env: spec revision 2025-12-11 documents no opt-out variable$/],
  ];
  for (const [name, args, message] of cases) {
    test(`${name}: one line, exit 2`, async () => assertUsageError(await runCli(args), message));
  }

  test("a baseline entry of another revision is told, not ignored", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glc-rev-'));
    try {
      writeFileSync(join(dir, 'baseline.txt'), 'CONFLICT-3F\n');
      const run = await runCli(['--expected-failures', join(dir, 'baseline.txt'), '--only', 'BIND-1', '--dry-run']);
      assertUsageError(run, /expected failures name requirements that spec revision 2025-12-11 does not have: CONFLICT-3F \(file-lock-2026-02\)$/);
      assert.equal((await runCli(['--spec', 'file-lock-2026-02', '--expected-failures', join(dir, 'baseline.txt'), '--only', 'BIND-1', '--dry-run'])).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--dry-run --spec heads the plan with the revision, as a run does; the default plan is as before', async () => {
    const planned = await runCli(['--dry-run', '--spec', 'file-lock-2026-02']);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /^spec file-lock-2026-02.*\nPlan: /);
    assert.match(planned.stdout, /opt-out +2 +FILELOCK-3/);
    assert.match((await runCli(['--dry-run'])).stdout, /^Plan: /);
  });

  test('--list --spec lists that revision, headed by its name; the default list is as before', async () => {
    const listed = await runCli(['--list', '--spec', 'openclaw-2026.9', '--only', 'LAYER-*']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]), ['spec', 'LAYER-1', 'LAYER-2', 'LAYER-3', 'LAYER-5', 'LAYER-6', 'LAYER-7']);
    const plain = await runCli(['--list']);
    assert.equal(plain.stdout.trim().split('\n').length, CATALOGUE.requirements.length);
  });
});
