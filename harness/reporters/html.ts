/**
 * The HTML report: one self-contained page (no script, no request) with the verdict, the run's
 * cost, a table of the checks, and per check its requirement, expected and actual, a timeline of
 * its processes and the per-trial values against their budgets. Problems are open, passes folded.
 * A pure function of the report; every string of the report is escaped (`html` does it).
 */
import type { CheckResult, Report } from '../report.js';
import { DIFFERENCE_MARK_LEGEND, hasDifferenceMark } from '../judge/messages.js';
import { runCost } from './cost.js';
import { duration, legend, stripSvg, timelineSvg } from './html-charts.js';
import { html, idPart, type Markup } from './html-markup.js';
import { page } from './html-page.js';
import { lanesOf } from './lanes.js';
import { OUTCOME_LABEL, OUTCOME_MARK, countsText, keyMeasurementEntry, outcomeReason, shellWords, specLabel, tone, verdictText, type Reporter } from './reporter.js';
import { distributionsOf } from './samples.js';

// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
/** The table shows the start of a long message; the check's details have all of it. */
const clip = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);
const tail = (text: string, chars: number) => (text.length > chars ? `…${text.slice(-chars)}` : text);

export const checkAnchor = (id: string) => `check-${idPart(id)}`;

function headline(c: CheckResult): string {
  const entry = keyMeasurementEntry(c);
  return entry ? `${entry[0]} ${duration(entry[1])}` : '';
}

/** The counts that are not zero, and what was tolerated: `17 passed, 4 expected failures (CONFLICT-2, CRASH-4)`. */
function nonZeroCounts(report: Report): string {
  const ids = (outcome: string) => report.checks.filter((c) => c.outcome === outcome).map((c) => c.id).join(', ');
  return countsText(report.summary)
    .split(', ')
    .filter((part) => !part.startsWith('0 '))
    .map((part) => (/expected failure/.test(part) ? `${part} (${ids('expected-failure')})` : /warning/.test(part) ? `${part} (${ids('should-failure')})` : part))
    .join(', ');
}

function outcomeCell(c: CheckResult): Markup {
  return html`<span class="o o-${c.outcome}"><span class="m" aria-hidden="true">${OUTCOME_MARK[c.outcome]}</span> ${OUTCOME_LABEL[c.outcome]}</span>`;
}

function summarySection(report: Report): Markup {
  const s = report.summary;
  const cost = runCost(report);
  const tile = (n: number, label: string, loud = '') => html`<li class="${n === 0 ? 'zero' : loud}"><span class="n">${n}</span>${label}</li>`;
  const o = report.options;
  const budgets = `startup ${duration(o.startupBudgetMs)}, release ${duration(o.releaseBudgetMs)}, exit ${duration(o.exitBudgetMs)}`;
  const settings = [
    // Reports of earlier harnesses (no earlyStop) ran fixed counts.
    o.earlyStop === false || o.earlyStop === undefined ? `${o.trials} trials` : `${o.trials} trials at most (early stop)`,
    `concurrency ${o.concurrency}`,
    o.isolated ? 'isolated' : 'shared planning',
    o.strict ? 'strict' : '',
    o.timeoutMultiplier !== 1 ? `timeout × ${o.timeoutMultiplier}` : '',
    o.readyPattern !== undefined ? `ready pattern /${o.readyPattern}/` : '',
    o.readyDelayMs !== undefined ? `ready ${o.readyDelayMs} ms after LISTEN` : '',
    o.warmup ? '' : 'no warm-up',
  ].filter(Boolean);
  const env = Object.entries(report.candidate.env);
  return html`<section aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<ul class="tiles" aria-label="Counts">${tile(s.passed ?? s.pass, 'passed', 'good')}${tile(s.failed ?? 0, 'failed', 'bad')}${tile(s.warnings ?? 0, 'warnings', 'tolerated')}${tile(s.expectedFailures, 'expected failures', 'tolerated')}${tile(s.staleExpectedFailures, 'stale entries', 'bad')}${tile(s.skip, 'skipped')}${tile(s.error, 'errors', 'bad')}</ul>
<dl class="facts">
${env.length > 0 ? html`<dt>Environment</dt><dd><code>${env.map(([k, v]) => `${k}=${v}`).join(' ')}</code></dd>` : ''}
<dt>Working directory</dt><dd><code>${report.candidate.cwd}</code></dd>
<dt>Spec</dt><dd>${specLabel(report)}</dd>
<dt>Run cost</dt><dd>${duration(report.durationMs)} wall time, ${Number.isFinite(cost.spawns) ? cost.spawns : '–'} spawns, ${
    Number.isFinite(cost.startupEquivalents) ? cost.startupEquivalents.toFixed(1) : '–'
  } startup-equivalents (median spawn to ready ${duration(cost.medianSpawnToReadyMs)})</dd>
${report.warmup ? html`<dt>Warm-up</dt><dd>${warmupText(report)}</dd>` : ''}
<dt>Settings</dt><dd>${settings.join(', ')}; budgets: ${budgets}</dd>
<dt>Started</dt><dd><time datetime="${report.startedAt}">${report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time></dd>
<dt>Host</dt><dd>${report.environment.platform} ${report.environment.kernel} ${report.environment.arch}, ${report.environment.cpus} CPUs, Node ${report.environment.node}, uid ${report.environment.uid}</dd>
<dt>Harness</dt><dd>${report.harness.name} ${report.harness.version}</dd>
${report.interrupted?.notStarted.length ? html`<dt>Not started</dt><dd>${report.interrupted.notStarted.join(', ')} (interrupted)</dd>` : ''}
</dl>
</section>`;
}

function warmupText(report: Report): string {
  const w = report.warmup!;
  if (w.problem) return `no ready gateway: ${w.problem}`;
  const times = w.listenMs !== undefined ? `LISTEN after ${duration(w.listenMs)}${w.readyMs !== undefined ? `, ready ${duration(w.readyMs)} later` : ''}` : '';
  return w.by ? `the first start of ${w.by.join(', ')} (${times})` : `${duration(w.durationMs)} (${times})`;
}

function checksTable(report: Report): Markup {
  const rows = report.checks.map((c) => {
    const t = tone(c.outcome);
    return html`<tr${t === 'bad' ? html` class="row-bad"` : t === 'tolerated' ? html` class="row-tolerated"` : ''}><td>${outcomeCell(c)}</td><th scope="row"><a href="#${checkAnchor(c.id)}">${c.id}</a></th><td>${c.level}</td><td>${c.title}</td><td class="num">${headline(c)}</td><td>${clip(c.message, 240)}</td></tr>`;
  });
  return html`<section aria-labelledby="checks-h">
<h2 id="checks-h">Checks</h2>
<div class="wrap"><table class="checks">
<caption>${report.checks.length} checks in catalogue order: ${countsText(report.summary)}</caption>
<thead><tr><th scope="col">Result</th><th scope="col">ID</th><th scope="col">Level</th><th scope="col">Requirement</th><th scope="col" class="num">Measurement</th><th scope="col">Message</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
</section>`;
}

function measurementsList(c: CheckResult): Markup {
  const entries = Object.entries(c.measurements);
  if (entries.length === 0) return html``;
  return html`<h4>Measurements</h4><dl class="measures">${entries.map(([name, value]) => html`<div><dt><code>${name}</code></dt><dd>${duration(value)}</dd></div>`)}</dl>`;
}

function exitText(p: CheckResult['evidence']['processes'][number]): string {
  if (p.signal) return `signal ${p.signal}`;
  return p.exitCode === null ? 'ended by the harness or still running' : `exit ${p.exitCode}`;
}

function processesTable(c: CheckResult): Markup {
  const ps = c.evidence.processes;
  if (ps.length === 0) return html``;
  const rows = ps.map((p) => {
    const startup = p.startup ? `LISTEN ${duration(p.startup.listenMs)}${p.startup.readyMs !== undefined ? `, ready +${duration(p.startup.readyMs)}` : ''}${p.startup.readiness ? ` (${p.startup.readiness})` : ''}` : '';
    const output = [
      ['stderr', p.stderrTail],
      ['stdout', p.stdoutTail],
    ].filter(([, text]) => text!.trim() !== '');
    return html`<tr><th scope="row">${p.role}</th><td class="num">${p.pid}${p.gatewayPid ? ` (gateway ${p.gatewayPid})` : ''}</td><td>${startup}</td><td>${exitText(p)}</td><td>${p.binds?.length ? `${p.binds.length} (${p.binds.filter((b) => !b.ok).length} failed)` : ''}</td><td>${output.map(
      ([name, text]) => html`<details><summary>${name} (${text!.length} chars)</summary><pre>${tail(stripAnsi(text!), 4000)}</pre></details>`,
    )}<details><summary>argv</summary><pre>${shellWords(p.argv)}</pre></details></td></tr>`;
  });
  return html`<h4>Processes</h4><div class="wrap"><table><thead><tr><th scope="col">Role</th><th scope="col" class="num">Pid</th><th scope="col">Startup</th><th scope="col">End</th><th scope="col">Binds traced</th><th scope="col">Output and argv</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function timelineTable(c: CheckResult): Markup {
  const events = c.evidence.timeline;
  return html`<details><summary>Timeline as a table (${events.length} events)</summary><div class="wrap"><table><thead><tr><th scope="col" class="num">Time</th><th scope="col">Event</th><th scope="col">Detail</th></tr></thead><tbody>${events.map(
    (e) => html`<tr><td class="num">${e.tMs} ms</td><td>${e.event}</td><td>${e.detail ?? ''}</td></tr>`,
  )}</tbody></table></div></details>`;
}

function checkDetails(c: CheckResult, report: Report): Markup {
  const t = tone(c.outcome);
  const open = t === 'bad' || t === 'tolerated';
  const e = c.evidence;
  const lanes = lanesOf(e);
  const distributions = distributionsOf(c, lanes, report.options);
  const why = c.outcome === 'pass' || c.outcome === 'error' ? '' : outcomeReason(c);
  const strips = distributions.map((d, i) => {
    const { svg, summary } = stripSvg(d, `${c.id}-${i}`);
    return html`<figure>${svg}<figcaption>${summary}</figcaption></figure>`;
  });
  return html`<details class="check ${t}" id="${checkAnchor(c.id)}"${open ? html` open` : ''}>
<summary><h3>${outcomeCell(c)} ${c.id} <span class="title">${c.title}</span></h3> <span class="sub">${c.level}</span></summary>
<div class="body">
<p class="msg">${c.message}</p>
${why ? html`<p class="why">${why}</p>` : ''}
${c.requirement ? html`<blockquote class="req" aria-label="Requirement"><p>${c.requirement}</p></blockquote>` : ''}
${e.expected !== undefined || e.actual !== undefined ? html`<dl class="ea">${e.expected !== undefined ? html`<dt>Expected</dt><dd>${e.expected}</dd>` : ''}${e.actual !== undefined ? html`<dt>Actual</dt><dd class="actual">${e.actual}</dd>` : ''}</dl>` : ''}
${e.notes.length > 0 ? html`<ul class="notes">${e.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
${measurementsList(c)}
${lanes.lanes.length > 0 ? html`<h4>Timeline</h4>${timelineSvg(lanes, c.id)}${timelineTable(c)}` : ''}
${strips.length > 0 ? html`<h4>Per trial</h4>${strips}` : ''}
${processesTable(c)}
${e.portHolders.length > 0 ? html`<details><summary>Port holders seen (${e.portHolders.length})</summary><ul class="notes">${e.portHolders.map((h) => html`<li>pid ${h.pid} <code>${h.address}</code> ${h.cmdline}</li>`)}</ul></details>` : ''}
<p class="sub">${c.section} · ${duration(c.durationMs)}</p>
</div>
</details>`;
}

export function htmlReport(report: Report): string {
  const { word, detail } = verdictText(report);
  const verdictClass = report.exitCode === 0 ? 'ok' : report.exitCode === 1 ? 'bad' : 'error';
  const mark = report.exitCode === 0 ? '✓' : report.exitCode === 1 ? '✗' : '‼';
  const shown = report.checks.flatMap((c) => [c.message, c.evidence.actual ?? '', ...c.evidence.notes]);
  const body = html`<a class="skip-link" href="#checks-h">Skip to the checks</a>
<header>
<h1>Gateway lock conformance</h1>
<p class="verdict ${verdictClass}"><span aria-hidden="true">${mark}</span> ${word}${detail ? `${word === 'CONFORMANT' ? ', ' : word === 'INTERRUPTED' ? ' ' : ': '}${detail}` : ''}<span class="counts">${nonZeroCounts(report)} · ${duration(report.durationMs)}</span></p>
<p class="sub">Candidate <code>${shellWords(report.candidate.argv)}</code> · spec ${specLabel(report)} · ${report.startedAt.slice(0, 10)}</p>
</header>
<main>
${summarySection(report)}
${checksTable(report)}
<section aria-labelledby="details-h">
<h2 id="details-h">Details</h2>
<p class="sub">Problems are open, passes folded. Every timeline is on the check's own clock (0 = the start of its first scenario run).${
    shown.some(hasDifferenceMark) ? ` Marks in quoted output: ${DIFFERENCE_MARK_LEGEND}.` : ''
  }</p>
${legend()}
${report.checks.map((c) => checkDetails(c, report))}
</section>
</main>
<footer>Generated by ${report.harness.name} ${report.harness.version} from a schemaVersion ${report.schemaVersion} report. Self-contained: no script, no request.</footer>`;
  return page(`${word}: ${shellWords(report.candidate.argv)} (gateway lock conformance)`, body);
}

export function htmlReporter(): Reporter {
  return { finish: htmlReport };
}
