/**
 * The HTML report in a real browser (Debian's chromium, driven headless by playwright-core): a
 * conforming run made now against the reference gateway, and a real build's failing report
 * (openclaw, saved). Each page loads from its file with no console error and no request but the
 * file itself, has one table row per check, opens the failures and folds the passes, and gives
 * every chart a text alternative. REPORT_SCREENSHOTS=dir writes what the browser shows.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { runConformance } from '../harness/index.js';
import type { Report } from '../harness/report.js';
import { htmlReport } from '../harness/reporters/html.js';
import { ROOT } from './helpers/cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.REPORT_SCREENSHOTS;
// .ci/run installs chromium; elsewhere a missing browser skips, never passes, these tests.
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)` : false;
const work = mkdtempSync(join(tmpdir(), 'glc-html-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

interface Loaded {
  consoleErrors: string[];
  requests: string[];
  failed: string[];
  rows: string[];
  open: Record<string, boolean>;
  unnamedCharts: number;
  charts: number;
  thWithoutScope: number;
  h1: string;
}

let browser: Browser | undefined;

/** Writes the page, loads it from its file, and reads what a reader (and a screen reader) gets. */
async function load(report: Report, name: string): Promise<Loaded> {
  const file = join(work, `${name}.html`);
  writeFileSync(file, htmlReport(report));
  const page = await browser!.newPage({ viewport: { width: 1200, height: 1000 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const failed: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const read = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('table.checks tbody tr th[scope=row]')].map((th) => th.textContent!.trim());
    const open = Object.fromEntries([...document.querySelectorAll<HTMLDetailsElement>('details.check')].map((d) => [d.id.replace(/^check-/, ''), d.open]));
    const charts = [...document.querySelectorAll('svg.chart')].filter((svg) => svg.getAttribute('aria-hidden') !== 'true');
    const named = (svg: Element) => {
      const ids = (svg.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean);
      const text = ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
      return svg.getAttribute('role') === 'img' && (text !== '' || (svg.getAttribute('aria-label') ?? '') !== '');
    };
    return {
      rows,
      open,
      charts: charts.length,
      unnamedCharts: charts.filter((svg) => !named(svg)).length,
      thWithoutScope: [...document.querySelectorAll('th')].filter((th) => !th.hasAttribute('scope')).length,
      h1: document.querySelector('h1')?.textContent ?? '',
    };
  });
  if (SCREENSHOTS) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
    // The first problem whose trials show it against a budget, else the first problem, else the
    // first check: at most one screen high.
    const candidates = [page.locator('details.check[open]:has(circle.over)'), page.locator('details.check[open]'), page.locator('details.check')];
    let target = candidates[0]!.first();
    for (const c of candidates) {
      if ((await c.count()) > 0) {
        target = c.first();
        break;
      }
    }
    const box = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
    });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-detail.png`), fullPage: true, clip: { ...box, height: Math.min(box.height, 1100) } });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-dark.png`) });
  }
  await page.close();
  return { consoleErrors, requests, failed, ...read };
}

function assertClean(loaded: Loaded, report: Report, name: string) {
  assert.deepEqual(loaded.consoleErrors, [], `${name}: console errors`);
  assert.deepEqual(loaded.failed, [], `${name}: failed requests`);
  assert.deepEqual(loaded.requests, [pathToFileURL(join(work, `${name}.html`)).href], `${name}: no request but the file`);
  assert.deepEqual(loaded.rows, report.checks.map((c) => c.id), `${name}: one row per check`);
  assert.equal(loaded.unnamedCharts, 0, `${name}: every chart has a text alternative`);
  assert.equal(loaded.thWithoutScope, 0, `${name}: every header cell has a scope`);
  assert.equal(loaded.h1, 'Gateway lock conformance');
}

describe('the HTML report in a browser', { skip }, () => {
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });
  after(async () => {
    await browser?.close();
  });

  test('a conforming run against the reference gateway: every check passes, all folded', async () => {
    // Starts (BIND-1), traced binds (CONFLICT-1) and timed stops (SHUTDOWN-1) in about 3 s; the
    // whole suite (about 6 s) where the screenshots are for people to look at.
    const report = await runConformance(SCREENSHOTS ? {} : { only: ['BIND-1', 'CONFLICT-1', 'SHUTDOWN-1'], trials: 3, warmup: false });
    assert.equal(report.exitCode, 0, JSON.stringify(report.summary));
    const loaded = await load(report, 'conforming');
    assertClean(loaded, report, 'conforming');
    assert.deepEqual(Object.values(loaded.open), report.checks.map(() => false), 'passes are folded');
    assert.ok(loaded.charts >= report.checks.length, `a timeline per check at least: ${loaded.charts}`);
  });

  test('openclaw (a real build, saved): its failures open, its passes folded', async () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'test/data/openclaw-default.json'), 'utf8')) as Report;
    const loaded = await load(report, 'openclaw');
    assertClean(loaded, report, 'openclaw');
    const open = Object.entries(loaded.open).filter(([, isOpen]) => isOpen).map(([id]) => id);
    assert.deepEqual(open, ['CONFLICT-2', 'CONFLICT-3', 'CONFLICT-4', 'CRASH-4']);
    assert.equal(Object.keys(loaded.open).length, 21);
  });

  test('a report whose candidate wrote markup: nothing of it runs or loads', async () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'test/data/openclaw-default.json'), 'utf8')) as Report;
    const evil = '<script>console.error("ran")</script><img src="https://example.invalid/x.png" onerror="console.error(1)"><link rel="stylesheet" href="https://example.invalid/x.css">';
    for (const c of report.checks) {
      c.message = evil;
      for (const p of c.evidence.processes) p.stderrTail = evil;
      c.evidence.notes.push(evil);
    }
    report.candidate.argv = [evil, '{port}'];
    const loaded = await load(report, 'hostile');
    assertClean(loaded, report, 'hostile');
  });
});
