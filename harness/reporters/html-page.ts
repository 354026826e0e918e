/**
 * The page every HTML output shares (the report and the compare matrix): one self-contained
 * document, inline CSS, no script, and a Content-Security-Policy that forbids every request, so it
 * reads the same offline, from a CI artefact or a mail attachment. Light and dark by the reader's
 * `prefers-color-scheme`.
 */
import { html, trusted, type Markup } from './html-markup.js';

const CSS = `
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --link: #0550ae;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --skip: #6e7781; --accent: #0969da;
  --pass-bg: #dafbe1; --fail-bg: #ffebe9; --warn-bg: #fff8c5; --skip-bg: #eaeef2; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --link: #4493f8;
  --pass: #3fb950; --fail: #f85149; --warn: #d29922; --skip: #9198a1; --accent: #4493f8;
  --pass-bg: #12261e; --fail-bg: #2d1214; --warn-bg: #272115; --skip-bg: #212830; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main, header, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 1.5rem; margin: 0 0 6px; }
h2 { font-size: 1.2rem; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 0; display: inline; }
h4 { font-size: .95rem; margin: 16px 0 6px; }
a { color: var(--link); }
a:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; max-height: 24em; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip-link { position: absolute; left: -9999px; } .skip-link:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 1; }
.verdict { font-size: 1.15rem; font-weight: 600; padding: 10px 14px; border-radius: 8px; border-left: 6px solid; margin: 8px 0 4px; }
.verdict.ok { background: var(--pass-bg); border-color: var(--pass); }
.verdict.bad { background: var(--fail-bg); border-color: var(--fail); }
.verdict.error { background: var(--warn-bg); border-color: var(--warn); }
.sub { color: var(--muted); margin: 0; }
.verdict .counts { display: block; font-size: .9rem; font-weight: 400; color: var(--muted); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.tiles { display: flex; flex-wrap: wrap; gap: 8px; padding: 0; margin: 12px 0; list-style: none; }
.tiles li { border: 1px solid var(--line); border-radius: 8px; padding: 6px 12px; min-width: 7.5em; background: var(--panel); }
.tiles .n { display: block; font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.tiles .zero { opacity: .55; }
.tiles .bad { border-color: var(--fail); background: var(--fail-bg); } .tiles .tolerated { border-color: var(--warn); background: var(--warn-bg); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.checks td:nth-child(4) { min-width: 16em; }
table.checks td:nth-child(6) { min-width: 20em; }
caption { text-align: left; color: var(--muted); padding: 4px 0; caption-side: top; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
.wrap { overflow-x: auto; }
.o { white-space: nowrap; font-weight: 650; }
.o .m { display: inline-block; width: 1.2em; text-align: center; }
.o-pass { color: var(--pass); } .o-fail, .o-error, .o-stale-expected-failure { color: var(--fail); }
.o-expected-failure, .o-should-failure { color: var(--warn); } .o-skip { color: var(--skip); }
tr.row-bad { background: var(--fail-bg); } tr.row-tolerated { background: var(--warn-bg); }
details.check { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; background: var(--bg); }
details.check > summary { cursor: pointer; padding: 8px 12px; list-style: none; }
details.check > summary::-webkit-details-marker { display: none; }
details.check > summary::before { content: "▸"; display: inline-block; width: 1.1em; color: var(--muted); }
details.check[open] > summary::before { content: "▾"; }
table.checks th[scope=row] { white-space: nowrap; }
details.check[open] > summary { border-bottom: 1px solid var(--line); }
details.check.bad { border-left: 6px solid var(--fail); } details.check.tolerated { border-left: 6px solid var(--warn); }
details.check.good { border-left: 6px solid var(--pass); } details.check.skipped { border-left: 6px solid var(--skip); }
.body { padding: 4px 14px 14px; }
.title { font-weight: 400; }
.msg { font-weight: 600; margin: 10px 0 4px; }
.why { color: var(--muted); margin: 0 0 8px; }
blockquote.req { margin: 8px 0; padding: 6px 12px; border-left: 4px solid var(--accent); background: var(--panel); border-radius: 0 6px 6px 0; }
blockquote.req p { margin: 0; }
.ea { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0; }
.ea dt { font-weight: 600; } .ea dd { margin: 0; overflow-wrap: anywhere; }
.ea dd.actual { color: var(--fail); }
ul.notes { margin: 6px 0; padding-left: 20px; }
figure { margin: 8px 0 12px; }
figcaption { color: var(--muted); font-size: .85rem; }
svg.chart { width: 100%; height: auto; display: block; color: var(--fg); font-family: system-ui, sans-serif; }
svg.chart text { fill: var(--fg); font-size: 11px; }
svg.chart .axis line, svg.chart .axis path { stroke: var(--muted); fill: none; }
svg.chart .axis text, svg.chart text.muted { fill: var(--muted); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
.measures { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 2px 18px; margin: 4px 0 8px; }
.measures div { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; border-bottom: 1px dotted var(--line); }
.measures dt { min-width: 0; overflow-wrap: anywhere; }
.measures dd { margin: 0; white-space: nowrap; font-variant-numeric: tabular-nums; }
svg.chart .lane-bg { fill: var(--panel); }
svg.chart .seg-start { stroke: var(--muted); stroke-width: 2; stroke-dasharray: 2 3; }
svg.chart .seg-listen { stroke: var(--accent); stroke-width: 3; opacity: .55; }
svg.chart .seg-ready { stroke: var(--accent); stroke-width: 5; }
svg.chart .seg-open { stroke: var(--accent); stroke-width: 5; opacity: .35; }
svg.chart .seg-stop { stroke: var(--warn); stroke-width: 3; }
svg.chart .k-spawn { fill: var(--bg); stroke: var(--fg); stroke-width: 1.5; }
svg.chart .k-listen { fill: var(--accent); }
svg.chart .k-serving, svg.chart .k-info { fill: var(--muted); }
svg.chart .k-ready { fill: var(--pass); }
svg.chart .k-signal { fill: var(--warn); }
svg.chart .k-port-free { fill: var(--pass); stroke: var(--bg); }
svg.chart .k-port-held { fill: var(--fail); }
svg.chart .k-exit { stroke: var(--fg); stroke-width: 2; fill: none; }
svg.chart .k-bind-failed { stroke: var(--fail); stroke-width: 1.5; }
svg.chart .k-bind-ok { stroke: var(--pass); stroke-width: 2; }
svg.chart .budget { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.chart text.budget-label { fill: var(--fail); }
svg.chart .dot { fill: var(--accent); fill-opacity: .8; stroke: var(--bg); stroke-width: 1; }
svg.chart .dot.over { fill: var(--fail); }
svg.chart .median { stroke: var(--fg); stroke-width: 2; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 6px 0 12px; list-style: none; color: var(--muted); font-size: .85rem; }
.legend svg { width: 16px; height: 16px; vertical-align: -3px; margin-right: 4px; }
.legend svg.chart { display: inline; width: 16px; }
.matrix td, .matrix th { text-align: center; white-space: nowrap; }
.matrix th[scope=row] { text-align: left; }
.matrix td a { text-decoration: none; }
.changes li.regression { color: var(--fail); font-weight: 600; }
footer { color: var(--muted); font-size: .85rem; padding-bottom: 28px; margin-top: 28px; }
@media print { details.check { break-inside: avoid; } thead th { position: static; } }
`;

export function page(title: string, body: Markup): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<style>${trusted(CSS)}</style>
</head>
<body>
${body}
</body>
</html>
`.text;
}
