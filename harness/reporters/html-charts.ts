/**
 * The report's two charts, as inline SVG: a check's processes on one time axis (lanes), and a
 * strip of per-trial values against their budget. Each has a title and a text summary for
 * screen readers; the page gives the full data beside them as tables.
 */
import { html, idPart, type Markup } from './html-markup.js';
import type { Lane, LaneMark, Lanes, MarkKind } from './lanes.js';
import type { Distribution } from './samples.js';
import { median } from '../judge/stats.js';

const WIDTH = 960;
const LABEL_W = 250;
const RIGHT = 24;
const LANE_H = 24;
const PLOT_W = WIDTH - LABEL_W - RIGHT;

/** Milliseconds for people: `850 ms`, `12.3 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1000) return `${Math.round(ms * 10) / 10} ms`;
  return `${(ms / 1000).toFixed(ms < 100_000 ? 1 : 0)} s`;
}

/** Round ticks from 0 to max, at most six or so (steps of 1, 2 or 5 × 10^n). */
export function ticks(max: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

const tickLabel = (t: number, max: number) => (max >= 2000 ? `${Math.round((t / 1000) * 100) / 100} s` : `${t} ms`);

/** One mark's glyph, centred on (x, y). */
function glyph(kind: MarkKind, x: number, y: number): Markup {
  const p = (n: number) => Math.round(n * 10) / 10;
  switch (kind) {
    case 'spawn':
      return html`<circle class="k-spawn" cx="${p(x)}" cy="${y}" r="4"/>`;
    case 'listen':
      return html`<circle class="k-listen" cx="${p(x)}" cy="${y}" r="4.5"/>`;
    case 'ready':
      return html`<path class="k-ready" d="M${p(x)} ${y - 6}l6 6-6 6-6-6z"/>`;
    case 'signal':
      return html`<path class="k-signal" d="M${p(x - 5)} ${y - 11}h10l-5 8z"/>`;
    case 'port-free':
    case 'port-held':
      return html`<rect class="k-${kind}" x="${p(x - 4.5)}" y="${y - 4.5}" width="9" height="9"/>`;
    case 'exit':
      return html`<path class="k-exit" d="M${p(x - 4)} ${y - 4}l8 8m0-8l-8 8"/>`;
    case 'bind-failed':
      return html`<line class="k-bind-failed" x1="${p(x)}" x2="${p(x)}" y1="${y + 4}" y2="${y + 10}"/>`;
    case 'bind-ok':
      return html`<line class="k-bind-ok" x1="${p(x)}" x2="${p(x)}" y1="${y + 3}" y2="${y + 11}"/>`;
    default:
      return html`<circle class="k-${kind}" cx="${p(x)}" cy="${y}" r="2.5"/>`;
  }
}

export const LEGEND: [MarkKind, string][] = [
  ['spawn', 'spawned'],
  ['listen', 'LISTEN seen'],
  ['ready', 'ready'],
  ['signal', 'signal sent'],
  ['port-free', 'port free'],
  ['port-held', 'port still held'],
  ['exit', 'exited'],
  ['bind-failed', 'bind() failed (tracer)'],
  ['bind-ok', 'bind() succeeded (tracer)'],
  ['info', 'other event'],
];

/** The key to the timeline's glyphs, once per page. */
export function legend(): Markup {
  const item = (kind: MarkKind, text: string) =>
    html`<li><svg class="chart" viewBox="-8 -8 16 16" aria-hidden="true">${glyph(kind, 0, kind === 'signal' ? 4 : kind.startsWith('bind') ? -7 : 0)}</svg>${text}</li>`;
  const bar = (cls: string, text: string) => html`<li><svg class="chart" viewBox="0 -8 16 16" aria-hidden="true"><line class="${cls}" x1="0" x2="16" y1="0" y2="0"/></svg>${text}</li>`;
  return html`<ul class="legend" aria-label="Timeline key">${LEGEND.map(([k, t]) => item(k, t))}${bar('seg-start', 'spawn to LISTEN')}${bar('seg-listen', 'listening, not yet ready')}${bar('seg-ready', 'serving')}${bar('seg-stop', 'signal to exit')}${bar('seg-open', 'still running when the scenario ended')}</ul>`;
}

function laneSegments(lane: Lane, endMs: number, x: (t: number) => number, y: number): Markup[] {
  if (lane.spawnMs === undefined) return [];
  const at = (kind: MarkKind) => lane.marks.find((m) => m.kind === kind)?.tMs;
  const listen = at('listen');
  const ready = at('ready');
  const signal = at('signal');
  const exit = at('exit');
  const end = exit ?? endMs;
  const parts: [string, number, number][] = [];
  const runningFrom = ready ?? listen;
  parts.push(['seg-start', lane.spawnMs, listen ?? end]);
  if (listen !== undefined) parts.push(['seg-listen', listen, ready ?? signal ?? end]);
  if (ready !== undefined) parts.push([exit === undefined && signal === undefined ? 'seg-open' : 'seg-ready', ready, signal ?? end]);
  if (signal !== undefined && runningFrom !== undefined) parts.push(['seg-stop', signal, end]);
  return parts
    .filter(([, from, to]) => to > from)
    .map(([cls, from, to]) => html`<line class="${cls}" x1="${Math.round(x(from) * 10) / 10}" x2="${Math.round(x(to) * 10) / 10}" y1="${y}" y2="${y}"/>`);
}

const laneLabel = (lane: Lane) => (lane.pid !== undefined ? `${lane.role} (pid ${lane.pid})` : lane.role);
/** What fits beside the lane: the role, with its pid where there is room (the tooltip has both). */
const shortLaneLabel = (lane: Lane) => (laneLabel(lane).length <= 40 ? laneLabel(lane) : cut(lane.role, 40));
const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** The processes of a check on one time axis; `id` makes its title and description referable. */
export function timelineSvg(lanes: Lanes, id: string): Markup {
  const shown = lanes.lanes.filter((l) => l.marks.length > 0);
  const endMs = Math.max(lanes.endMs, 1);
  const axis = ticks(endMs);
  const axisMax = Math.max(endMs, axis.at(-1)!);
  const x = (t: number) => LABEL_W + (Math.max(0, t) / axisMax) * PLOT_W;
  const top = 14;
  const height = top + shown.length * LANE_H + 34;
  const tid = `tl-${idPart(id)}`;
  const processes = shown.filter((l) => l.pid !== undefined).length;
  const description = `${processes} process${processes === 1 ? '' : 'es'} over ${duration(lanes.endMs)}: ${shown
    .map((l) => `${laneLabel(l)}: ${l.marks.filter((m) => !m.kind.startsWith('bind')).map((m) => m.label.split(':')[0]).join(', ')}`)
    .join('; ')}. The table below lists every event.`;
  const rows = shown.map((lane, i) => {
    const y = top + i * LANE_H + LANE_H / 2;
    const marks = lane.marks.map((m: LaneMark) => html`<g><title>${m.label} (at ${duration(m.tMs)})</title>${glyph(m.kind, x(m.tMs), y)}</g>`);
    return html`<g class="lane"><text x="6" y="${y + 4}"><title>${laneLabel(lane)}</title>${shortLaneLabel(lane)}</text>${laneSegments(lane, lanes.endMs, x, y)}${marks}</g>`;
  });
  // Stripes first, then the grid, then the lanes: each drawn over what it must not hide.
  const stripes = shown.map((_, i) => (i % 2 === 0 ? html`<rect class="lane-bg" x="0" y="${top + i * LANE_H}" width="${WIDTH}" height="${LANE_H}"/>` : ''));
  const axisY = top + shown.length * LANE_H + 6;
  const grid = axis.map((t) => html`<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${axisY}"/>`);
  const axisMarkup = html`<g class="axis"><line x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${axisY}" y2="${axisY}"/>${axis.map(
    (t) => html`<line x1="${x(t)}" x2="${x(t)}" y1="${axisY}" y2="${axisY + 4}"/><text x="${x(t)}" y="${axisY + 16}" text-anchor="middle">${tickLabel(t, axisMax)}</text>`,
  )}</g>`;
  return html`<svg class="chart timeline" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${tid}-t ${tid}-d"><title id="${tid}-t">Timeline of ${id}</title><desc id="${tid}-d">${description}</desc>${stripes}${grid}${axisMarkup}${rows}</svg>`;
}

/** Per-trial values as dots on a line, the median as a bar, the budget as a dashed line. */
export function stripSvg(d: Distribution, id: string): { svg: Markup; summary: string } {
  const values = d.samples.map((s) => s.valueMs);
  const max = Math.max(...values, 1);
  const p50 = median(values);
  // A budget far beyond every trial would squeeze them into a corner: the axis then breaks after
  // the trials, and the budget stands at the right end, past the break.
  const broken = d.budgetMs !== undefined && d.budgetMs > max * 4;
  const axisMaxRaw = broken || d.budgetMs === undefined ? max * 1.1 : Math.max(max, d.budgetMs) * 1.08;
  const axis = ticks(axisMaxRaw);
  const axisMax = Math.max(axisMaxRaw, axis.at(-1)!);
  const scaleW = broken ? PLOT_W * 0.82 : PLOT_W;
  const x = (t: number) => LABEL_W + (Math.max(0, Math.min(t, axisMax)) / axisMax) * scaleW;
  const budgetX = broken ? LABEL_W + PLOT_W - 6 : d.budgetMs !== undefined ? x(d.budgetMs) : 0;
  const y = 22;
  const over = (v: number) => d.budgetMs !== undefined && v > d.budgetMs;
  const dots = d.samples.map((s, i) => {
    // A small deterministic spread keeps equal values apart.
    const dy = ((i % 5) - 2) * 3;
    return html`<circle class="dot${over(s.valueMs) ? ' over' : ''}" cx="${Math.round(x(s.valueMs) * 10) / 10}" cy="${y + dy}" r="5"><title>${s.label}: ${duration(s.valueMs)}</title></circle>`;
  });
  const budgetName = `${d.budgetName ?? 'budget'} ${duration(d.budgetMs ?? 0)}`;
  const budget =
    d.budgetMs === undefined
      ? ''
      : html`<line class="budget" x1="${budgetX}" x2="${budgetX}" y1="4" y2="${y + 16}"/><text class="budget-label" x="${budgetX > WIDTH - 170 ? budgetX - 4 : budgetX + 4}" y="10" text-anchor="${budgetX > WIDTH - 170 ? 'end' : 'start'}">${budgetName}</text>`;
  const axisY = y + 18;
  const breakX = LABEL_W + scaleW + 14;
  const axisLine = broken
    ? html`<line x1="${LABEL_W}" x2="${breakX - 4}" y1="${axisY}" y2="${axisY}"/><path d="M${breakX - 7} ${axisY + 5}l6 -10m2 10l6 -10"/><line x1="${breakX + 6}" x2="${LABEL_W + PLOT_W}" y1="${axisY}" y2="${axisY}"/><text x="${budgetX}" y="${axisY + 16}" text-anchor="middle">${duration(d.budgetMs!)}</text>`
    : html`<line x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${axisY}" y2="${axisY}"/>`;
  const axisMarkup = html`<g class="axis">${axisLine}${axis.map(
    (t) => html`<line x1="${x(t)}" x2="${x(t)}" y1="${axisY}" y2="${axisY + 4}"/><text x="${x(t)}" y="${axisY + 16}" text-anchor="middle">${tickLabel(t, axisMax)}</text>`,
  )}</g>`;
  const overCount = values.filter(over).length;
  const summary = `${d.title}, ${values.length} trial${values.length === 1 ? '' : 's'}: ${d.samples.map((s) => duration(s.valueMs)).join(', ')}; median ${duration(p50)}, max ${duration(Math.max(...values))}${
    d.budgetMs !== undefined ? `; ${d.budgetName ?? 'budget'} ${duration(d.budgetMs)}${overCount > 0 ? `, ${overCount} over it` : ', all within it'}` : ''
  }`;
  const sid = `st-${idPart(id)}`;
  const svg = html`<svg class="chart strip" viewBox="0 0 ${WIDTH} ${axisY + 22}" role="img" aria-labelledby="${sid}"><title id="${sid}">${summary}</title><text x="6" y="${y + 4}">${cut(d.title, 34)}</text>${axisMarkup}${budget}<line class="median" x1="${x(p50)}" x2="${x(p50)}" y1="${y - 11}" y2="${y + 11}"><title>median ${duration(p50)}</title></line>${dots}</svg>`;
  return { svg, summary };
}

