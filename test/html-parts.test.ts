/**
 * The HTML report's parts, without a browser: escaping, the lanes read back from a real build's
 * evidence (openclaw, saved by `npm run real-builds`), the per-trial values against the report's
 * own percentiles, and the charts' text alternatives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { CheckResult, Evidence, Report } from '../harness/report.js';
import { stripSvg, ticks, timelineSvg } from '../harness/reporters/html-charts.js';
import { escapeHtml, html, Markup } from '../harness/reporters/html-markup.js';
import { htmlReport } from '../harness/reporters/html.js';
import { lanesOf } from '../harness/reporters/lanes.js';
import { distributionsOf } from '../harness/reporters/samples.js';
import { ROOT } from './helpers/cli.js';

const openclaw = JSON.parse(readFileSync(join(ROOT, 'test/data/openclaw-default.json'), 'utf8')) as Report;
const check = (id: string): CheckResult => openclaw.checks.find((c) => c.id === id)!;
const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;

test('the saved openclaw report, trimmed, is still a valid report', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'spec/report.schema.json'), 'utf8'));
  const validate = new (Ajv2020 as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ strict: true, allErrors: true }).compile(schema);
  assert.equal(validate(openclaw), true, JSON.stringify(validate.errors));
  assert.deepEqual(openclaw.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['CONFLICT-2', 'CONFLICT-3', 'CONFLICT-4', 'CRASH-4']);
});

describe('escaping', () => {
  test('every interpolated string is escaped; markup built by html passes; null, undefined and false vanish', () => {
    assert.equal(escapeHtml(`<script>alert("x")</script>&'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<p title="${'" onmouseover="x'}">${inner}${['<a>', html`<br>`]}${null}${undefined}${false}${0}</p>`;
    assert.ok(out instanceof Markup);
    assert.equal(out.text, '<p title="&quot; onmouseover=&quot;x"><b>&lt;i&gt;</b>&lt;a&gt;<br>0</p>');
  });

  test('control characters are replaced, tabs and newlines kept', () => {
    assert.equal(escapeHtml('a\u0000b\u001bc\td\ne'), 'a\ufffdb\ufffdc\td\ne');
  });
});

describe('lanes: one per process, on the check\'s clock', () => {
  test('CONFLICT-1 (openclaw): occupiers on the harness lane, every process a lane, the tracer\'s binds on theirs', () => {
    const { lanes, endMs } = lanesOf(check('CONFLICT-1').evidence);
    assert.deepEqual(
      lanes.map((l) => l.role),
      ['harness', 'first instance', 'second instance (isolated profile)', 'second instance (same profile)', 'candidate', 'candidate', 'candidate', 'first instance #2', 'second instance (isolated profile) #2'],
    );
    assert.deepEqual(lanes[0]!.marks.map((m) => m.label), ['occupier listening: 127.0.0.1:24596', 'occupier listening: 0.0.0.0:32368', 'occupier listening: [::]:25596']);
    const first = lanes[1]!;
    assert.deepEqual(first.marks.map((m) => m.kind), ['spawn', 'listen', 'serving', 'ready']);
    // Each repeated role's `exited` goes to the process spawned last under it, not to the first.
    for (const lane of lanes.filter((l) => l.role === 'candidate')) {
      const kinds = lane.marks.map((m) => m.kind);
      assert.equal(kinds.filter((k) => k === 'exit').length, 1, `${lane.pid}: ${kinds.join(' ')}`);
      assert.equal(kinds.filter((k) => k === 'bind-failed').length, 21);
    }
    // A bind's time is after its process's spawn: 10616.1 ms after pid 6058's spawn at 14584.3.
    const second = lanes[2]!;
    assert.equal(second.marks.find((m) => m.kind === 'bind-failed')!.tMs, 25200.4);
    assert.ok(second.marks.filter((m) => m.kind === 'bind-failed').every((m) => m.tMs < second.marks.find((x) => x.kind === 'exit')!.tMs));
    assert.equal(endMs, 137699.1);
  });

  test('SHUTDOWN-1 (openclaw): each signal, port free and exit on the signalled process', () => {
    const { lanes } = lanesOf(check('SHUTDOWN-1').evidence);
    assert.equal(lanes.length, 5);
    for (const lane of lanes) assert.deepEqual(lane.marks.map((m) => m.kind), ['spawn', 'listen', 'serving', 'ready', 'signal', 'port-free', 'exit'], lane.role);
  });

  test('a role the spawn did not use (BINDFAIL-1\'s `candidate exited`) ends the process last told of', () => {
    const { lanes } = lanesOf(check('BINDFAIL-1').evidence);
    assert.deepEqual(lanes.map((l) => [l.role, l.marks.map((m) => m.kind).join(' ')]), [
      ['candidate (bind fails with EACCES)', 'spawn exit'],
      ['candidate (bind fails with EADDRNOTAVAIL)', 'spawn exit'],
    ]);
  });

  test('`port free` after two signals belongs to the last signalled process still waiting for it', () => {
    const evidence: Evidence = {
      processes: [],
      portHolders: [],
      notes: [],
      timeline: [
        { tMs: 0, event: 'spawn a', detail: 'pid 1 on port 40000' },
        { tMs: 1, event: 'spawn b', detail: 'pid 2 on port 40004' },
        { tMs: 10, event: 'SIGTERM sent', detail: 'to pid 1' },
        { tMs: 20, event: 'SIGINT sent', detail: 'to pid 2' },
        { tMs: 25, event: 'port free' },
        { tMs: 30, event: 'port free' },
        { tMs: 40, event: 'gateway process exited', detail: 'exit code 0' },
      ],
    };
    const { lanes } = lanesOf(evidence);
    assert.deepEqual(lanes.map((l) => l.marks.map((m) => `${m.kind}@${m.tMs}`).join(' ')), ['spawn@0 signal@10 port-free@30', 'spawn@1 signal@20 port-free@25 exit@40']);
  });
});

describe('per-trial values', () => {
  const nearest = (values: number[], target: number) => Math.min(...values.map((v) => Math.abs(v - target)));

  test('SHUTDOWN-1: the five releases and exits the percentiles were computed from, against their budgets', () => {
    const c = check('SHUTDOWN-1');
    const [release, exit, listen, ready] = distributionsOf(c, lanesOf(c.evidence), openclaw.options);
    assert.deepEqual([release!.title, exit!.title, listen!.title, ready!.title], ['signal to port free', 'signal to exit', 'spawn to LISTEN (startup)', 'LISTEN to ready']);
    assert.equal(release!.samples.length, 5);
    assert.equal(release!.budgetMs, 1000);
    assert.equal(exit!.budgetMs, 5000);
    // The timeline has 0.1 ms resolution: the report's max is among the trials, to within rounding.
    assert.ok(nearest(release!.samples.map((s) => s.valueMs), c.measurements['release.max']!) <= 0.2);
    assert.ok(nearest(exit!.samples.map((s) => s.valueMs), c.measurements['exit.max']!) <= 0.2);
    assert.deepEqual(listen!.samples.map((s) => s.valueMs), c.evidence.processes.map((p) => p.startup!.listenMs));
  });

  test('CONFLICT-3: the exit after the first failing bind, against the fail-fast budget', () => {
    const c = check('CONFLICT-3');
    const conflict = distributionsOf(c, lanesOf(c.evidence), openclaw.options).find((d) => d.title === 'first failing bind to exit')!;
    assert.equal(conflict.budgetMs, 1000);
    assert.equal(conflict.samples.length, 5, 'four isolated-profile and foreign-occupier rounds and the second isolated round');
    assert.ok(nearest(conflict.samples.map((s) => s.valueMs), c.measurements['foreignOccupier.bindToExit']!) < 50);
    assert.ok(conflict.samples.every((s) => s.valueMs > 1000));
    const { svg, summary } = stripSvg(conflict, 'CONFLICT-3-0');
    assert.match(summary, /^first failing bind to exit, 5 trials: .*; fail-fast budget 1.0 s, 5 over it$/);
    assert.equal((svg.text.match(/class="dot over"/g) ?? []).length, 5);
  });
});

describe('charts', () => {
  test('ticks are round and cover the range', () => {
    assert.deepEqual(ticks(137_700), [0, 50_000, 100_000]);
    assert.deepEqual(ticks(950), [0, 200, 400, 600, 800]);
    assert.deepEqual(ticks(0), [0]);
  });

  test('a timeline is an image with a title and a description naming every process', () => {
    const svg = timelineSvg(lanesOf(check('CRASH-1').evidence), 'CRASH-1').text;
    assert.match(svg, /^<svg class="chart timeline" viewBox="0 0 960 \d+" role="img" aria-labelledby="tl-CRASH-1-t tl-CRASH-1-d"><title id="tl-CRASH-1-t">Timeline of CRASH-1<\/title><desc id="tl-CRASH-1-d">4 processes over [\d.]+ s: candidate \(SIGKILL\) \(pid 7162\): spawn candidate \(SIGKILL\), /);
  });

  test('a candidate\'s output cannot put markup into the page', () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const report: Report = structuredClone(openclaw);
    const c = report.checks.find((x) => x.id === 'CONFLICT-3')!;
    c.message = evil;
    c.evidence.processes[0]!.stderrTail = evil;
    c.evidence.processes[0]!.role = evil;
    c.evidence.timeline.push({ tMs: 1, event: `spawn ${evil}`, detail: `pid 1 on port 2 ${evil}` });
    report.candidate.argv = [evil, '{port}'];
    const page = htmlReport(report);
    assert.doesNotMatch(page, /<script|<img/i);
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;'));
  });
});
