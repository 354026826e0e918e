/**
 * Keeps spec/gateway-lock.md, spec/requirements.json and spec/report.schema.json in agreement.
 *
 * The document checks are plain functions that return a list of problems, each naming the
 * requirement ID it is about. The real documents must give no problem; deliberately broken copies
 * must give the expected problem, which shows that every check can actually fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import type { CheckResult, Report } from '../harness/report.js';
import { reportHeader } from './helpers/report.js';

const repoRoot = new URL('../../', import.meta.url);
const readRepoFile = (path: string): string => readFileSync(new URL(path, repoRoot), 'utf8');

interface CatalogueSection {
  id: string;
  title: string;
}
interface CatalogueRequirement {
  id: string;
  level: string;
  section: string;
  title: string;
}
interface Catalogue {
  specVersion: string;
  sections: CatalogueSection[];
  requirements: CatalogueRequirement[];
}

const spec = readRepoFile('spec/gateway-lock.md');
const catalogue = JSON.parse(readRepoFile('spec/requirements.json')) as Catalogue;
const schema = JSON.parse(readRepoFile('spec/report.schema.json')) as Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Parsing the Markdown spec
// ---------------------------------------------------------------------------------------------

/** `### BIND-1 (MUST): Listens on 127.0.0.1:P at startup with --port P` */
const REQUIREMENT_HEADING = /^### ([A-Z]+-[0-9]+) \((MUST|SHOULD)\): (.+)$/;
/** A heading of any level whose text starts with something shaped like a requirement ID. */
const REQUIREMENT_LIKE_HEADING = /^#{1,6}\s+[A-Z]+-[0-9]+\b/;
const LABELLED_PARTS = ['**Requirement.**', '**Rationale.**', '**Procedure.**', '**Pass criteria.**'] as const;
const TRACEABILITY_HEADING = '## Traceability';
const ANCHOR_LINE = /^<a id="([^"]+)"><\/a>$/;

interface SpecRequirement {
  id: string;
  level: string;
  title: string;
  /** 1-based line of the heading. */
  line: number;
  /** The heading and the text up to the next `##` or `###` heading. */
  body: string;
  /** The nearest `## ` heading above it. */
  sectionHeading: string | undefined;
  /** The id of an `<a id="..."></a>` line right before the heading (blank lines aside). */
  anchor: string | undefined;
}

interface ParsedSpec {
  requirements: SpecRequirement[];
  /** Headings shaped like a requirement heading that do not follow the exact convention. */
  malformed: string[];
  /** Every `## ` heading. */
  sectionHeadings: string[];
  /** Cells of each data row of the traceability table. */
  traceRows: string[][];
  /** Every `<a id="..."></a>` anchor in the document. */
  anchors: Set<string>;
}

/** The document's lines with the contents of fenced code blocks blanked out. */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split(/\r?\n/).map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker === undefined) return line;
      fence = marker;
      return '';
    }
    if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    return '';
  });
}

function splitTableRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

function parseSpec(markdown: string): ParsedSpec {
  const lines = proseLines(markdown);
  const parsed: ParsedSpec = {
    requirements: [],
    malformed: [],
    sectionHeadings: [],
    traceRows: [],
    anchors: new Set(),
  };
  let sectionHeading: string | undefined;
  let current: SpecRequirement | undefined;
  let inTraceability = false;
  let traceTableLine = 0;

  lines.forEach((line, index) => {
    const anchor = ANCHOR_LINE.exec(line.trim())?.[1];
    if (anchor !== undefined) parsed.anchors.add(anchor);

    const isH2 = line.startsWith('## ');
    if (isH2 || line.startsWith('### ')) current = undefined;
    if (isH2) {
      sectionHeading = line.trim();
      parsed.sectionHeadings.push(sectionHeading);
      inTraceability = sectionHeading === TRACEABILITY_HEADING;
      traceTableLine = 0;
      return;
    }

    const match = REQUIREMENT_HEADING.exec(line);
    if (match) {
      const [, id = '', level = '', title = ''] = match;
      let previous = index - 1;
      while (previous >= 0 && lines[previous]!.trim() === '') previous -= 1;
      const before = previous >= 0 ? ANCHOR_LINE.exec(lines[previous]!.trim())?.[1] : undefined;
      current = { id, level, title, line: index + 1, body: line, sectionHeading, anchor: before };
      parsed.requirements.push(current);
      return;
    }
    if (REQUIREMENT_LIKE_HEADING.test(line)) parsed.malformed.push(line);
    if (current) current.body += `\n${line}`;

    if (inTraceability && line.trim().startsWith('|')) {
      traceTableLine += 1;
      const cells = splitTableRow(line);
      const isSeparator = cells.every((cell) => /^:?-+:?$/.test(cell));
      if (traceTableLine > 1 && !isSeparator) parsed.traceRows.push(cells); // line 1 is the header
    }
  });
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Checks: each returns problems, every problem naming the ID (or section) it is about
// ---------------------------------------------------------------------------------------------

function checkHeadingsMatchCatalogue(parsed: ParsedSpec, cat: Catalogue): string[] {
  const problems: string[] = [];
  for (const line of parsed.malformed) {
    problems.push(`malformed requirement heading (want "### <ID> (<LEVEL>): <title>"): ${line}`);
  }
  const inSpec = new Map<string, SpecRequirement>();
  for (const req of parsed.requirements) {
    if (inSpec.has(req.id)) problems.push(`${req.id}: heading appears more than once in the spec (line ${req.line})`);
    else inSpec.set(req.id, req);
  }
  const inCatalogue = new Map(cat.requirements.map((req) => [req.id, req]));
  for (const [id, req] of inCatalogue) {
    const found = inSpec.get(id);
    if (!found) {
      problems.push(`${id}: in requirements.json but has no "### ${id} (${req.level}): ..." heading in the spec`);
      continue;
    }
    if (found.level !== req.level) {
      problems.push(`${id}: level is ${found.level} in the spec but ${req.level} in requirements.json`);
    }
    if (found.title !== req.title) {
      problems.push(`${id}: title is "${found.title}" in the spec but "${req.title}" in requirements.json`);
    }
  }
  for (const [id, found] of inSpec) {
    if (!inCatalogue.has(id)) problems.push(`${id}: heading in the spec (line ${found.line}) but not in requirements.json`);
  }
  return problems;
}

function checkLabelledParts(parsed: ParsedSpec): string[] {
  const problems: string[] = [];
  for (const req of parsed.requirements) {
    for (const part of LABELLED_PARTS) {
      if (!req.body.includes(part)) problems.push(`${req.id}: subsection lacks the labelled part ${part}`);
    }
  }
  return problems;
}

function checkSections(parsed: ParsedSpec, cat: Catalogue): string[] {
  const problems: string[] = [];
  // The id as a whole word: `## BINDFAIL: ...` does not contain the section id BIND.
  const names = (heading: string, sectionId: string) =>
    new RegExp(`(^|[^A-Z0-9-])${sectionId}([^A-Z0-9-]|$)`).test(heading);
  for (const section of cat.sections) {
    if (!parsed.sectionHeadings.some((heading) => names(heading, section.id))) {
      problems.push(`${section.id}: no "## " heading contains the section id`);
    }
  }
  for (const req of cat.requirements) {
    const found = parsed.requirements.find((r) => r.id === req.id);
    if (found && (found.sectionHeading === undefined || !names(found.sectionHeading, req.section))) {
      problems.push(`${req.id}: belongs to section ${req.section} but sits under "${found.sectionHeading ?? '(none)'}"`);
    }
  }
  return problems;
}

function checkTraceability(parsed: ParsedSpec, cat: Catalogue): string[] {
  const problems: string[] = [];
  if (parsed.traceRows.length === 0) problems.push(`no rows found under "${TRACEABILITY_HEADING}"`);
  const counts = new Map<string, number>();
  for (const cells of parsed.traceRows) counts.set(cells[0] ?? '', (counts.get(cells[0] ?? '') ?? 0) + 1);
  for (const req of cat.requirements) {
    const count = counts.get(req.id) ?? 0;
    if (count !== 1) problems.push(`${req.id}: listed ${count} times in the traceability table (want exactly 1)`);
  }
  const specById = new Map(parsed.requirements.map((req) => [req.id, req]));
  for (const cells of parsed.traceRows) {
    const [id = '', level, title, anchorCell = '', checkFile] = cells;
    const req = cat.requirements.find((r) => r.id === id);
    if (!req) {
      problems.push(`${id}: traceability row for an ID that is not in requirements.json`);
      continue;
    }
    if (cells.length !== 5) problems.push(`${id}: traceability row has ${cells.length} cells (want 5)`);
    if (level !== req.level) problems.push(`${id}: traceability level "${level}" differs from ${req.level}`);
    if (title !== req.title) problems.push(`${id}: traceability title "${title}" differs from "${req.title}"`);
    const wantFile = `\`harness/checks/${req.section.toLowerCase()}.ts\``;
    if (checkFile !== wantFile) problems.push(`${id}: traceability check file is ${checkFile} (want ${wantFile})`);
    const target = /\]\(#([^)]+)\)/.exec(anchorCell)?.[1];
    if (target === undefined) {
      problems.push(`${id}: traceability section cell "${anchorCell}" has no #anchor link`);
    } else if (!parsed.anchors.has(target)) {
      problems.push(`${id}: traceability links to #${target}, which is not an anchor in the spec`);
    } else if (specById.get(id)?.anchor !== target) {
      problems.push(`${id}: anchor #${target} is not the one right before the "### ${id}" heading`);
    }
  }
  return problems;
}

function checkAll(markdown: string, cat: Catalogue): string[] {
  const parsed = parseSpec(markdown);
  return [
    ...checkHeadingsMatchCatalogue(parsed, cat),
    ...checkLabelledParts(parsed),
    ...checkSections(parsed, cat),
    ...checkTraceability(parsed, cat),
  ];
}

// ---------------------------------------------------------------------------------------------
// The real documents
// ---------------------------------------------------------------------------------------------

test('requirements.json is a sane catalogue', () => {
  assert.ok(catalogue.requirements.length >= 21, `expected at least 21 requirements, got ${catalogue.requirements.length}`);
  const ids = catalogue.requirements.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate IDs in requirements.json');
  const sectionIds = new Set(catalogue.sections.map((s) => s.id));
  for (const req of catalogue.requirements) {
    assert.match(req.id, /^[A-Z]+-[0-9]+$/, `${req.id}: malformed ID`);
    assert.ok(req.level === 'MUST' || req.level === 'SHOULD', `${req.id}: level ${req.level}`);
    assert.ok(sectionIds.has(req.section), `${req.id}: unknown section ${req.section}`);
    assert.ok(req.id.startsWith(`${req.section}-`), `${req.id}: ID does not start with its section ${req.section}`);
  }
});

test('the parser finds every requirement heading of the spec', () => {
  const parsed = parseSpec(spec);
  const rawCount = spec.split('\n').filter((line) => /^### [A-Z]+-[0-9]+ /.test(line)).length;
  assert.ok(parsed.requirements.length > 0, 'parser found no requirement heading');
  assert.equal(parsed.requirements.length, catalogue.requirements.length);
  assert.equal(parsed.requirements.length, rawCount, 'parser and a plain line count disagree');
  assert.deepEqual(parsed.malformed, []);
});

test('spec headings match requirements.json in both directions (IDs, levels, titles)', () => {
  assert.deepEqual(checkHeadingsMatchCatalogue(parseSpec(spec), catalogue), []);
});

test('every requirement subsection has the four labelled parts', () => {
  assert.deepEqual(checkLabelledParts(parseSpec(spec)), []);
});

test('every catalogue section has a "## " heading, and its requirements sit under it', () => {
  assert.deepEqual(checkSections(parseSpec(spec), catalogue), []);
});

test('the traceability table lists every ID exactly once, with level, title, anchor and check file', () => {
  const parsed = parseSpec(spec);
  assert.equal(parsed.traceRows.length, catalogue.requirements.length);
  assert.deepEqual(checkTraceability(parsed, catalogue), []);
});

test('the spec states the catalogue spec version and the RFC 2119 / 8174 conventions', () => {
  assert.match(spec, new RegExp(`Spec version: \\*\\*${catalogue.specVersion}\\*\\*`));
  assert.match(spec, /RFC 2119/);
  assert.match(spec, /RFC 8174/);
});

// ---------------------------------------------------------------------------------------------
// The checks fail on broken documents
// ---------------------------------------------------------------------------------------------

function mutate(from: string, to: string): string {
  assert.ok(spec.includes(from), `mutation source not found in spec: ${from}`);
  return spec.replace(from, to);
}

function assertProblem(problems: string[], pattern: RegExp): void {
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join('\n') || '(none)'}`,
  );
}

test('checks catch a requirement missing from the spec', () => {
  const heading = '### BIND-3 (MUST): The listener answers a WebSocket upgrade with 101';
  assertProblem(checkAll(mutate(heading, 'BIND-3 prose without a heading'), catalogue), /^BIND-3: in requirements.json but has no/);
});

test('checks catch a requirement missing from requirements.json', () => {
  const reduced: Catalogue = { ...catalogue, requirements: catalogue.requirements.filter((r) => r.id !== 'CRASH-2') };
  assertProblem(checkAll(spec, reduced), /^CRASH-2: heading in the spec .* but not in requirements.json/);
});

test('checks catch a level mismatch', () => {
  const heading = '### CONFLICT-4 (SHOULD): ';
  assertProblem(checkAll(mutate(heading, '### CONFLICT-4 (MUST): '), catalogue), /^CONFLICT-4: level is MUST in the spec but SHOULD/);
});

test('checks catch a title mismatch, in the heading and in the table', () => {
  const heading = "### CRASH-1 (MUST): Port is free when a SIGKILLed gateway's exit is observed";
  assertProblem(checkAll(mutate(heading, `${heading}.`), catalogue), /^CRASH-1: title is/);
  const row = "| CRASH-1 | MUST | Port is free when a SIGKILLed gateway's exit is observed |";
  assertProblem(checkAll(mutate(row, '| CRASH-1 | MUST | Port is free after SIGKILL |'), catalogue), /^CRASH-1: traceability title/);
});

test('checks catch a malformed or duplicated heading', () => {
  const heading = '### SHUTDOWN-4 (MUST): Restarts at once after a graceful stop';
  const malformed = checkAll(mutate(heading, '### SHUTDOWN-4 MUST: Restarts at once after a graceful stop'), catalogue);
  assertProblem(malformed, /^malformed requirement heading.*SHUTDOWN-4/);
  assertProblem(malformed, /^SHUTDOWN-4: in requirements.json but has no/);
  assertProblem(checkAll(`${spec}\n${heading}\n`, catalogue), /^SHUTDOWN-4: heading appears more than once/);
});

test('checks catch a missing labelled part', () => {
  const parsed = parseSpec(spec);
  const target = parsed.requirements.find((r) => r.id === 'SHUTDOWN-2');
  assert.ok(target, 'SHUTDOWN-2 not parsed');
  const broken = spec.replace(target.body, target.body.replace('**Procedure.**', 'Procedure:'));
  assert.notEqual(broken, spec);
  assertProblem(checkAll(broken, catalogue), /^SHUTDOWN-2: subsection lacks the labelled part \*\*Procedure\.\*\*/);
});

test('checks catch a missing section heading (BIND must not be satisfied by BINDFAIL)', () => {
  const problems = checkAll(mutate('## BIND: The lock is the listener', '## The lock is the listener'), catalogue);
  assertProblem(problems, /^BIND: no "## " heading contains the section id/);
  assertProblem(problems, /^BIND-1: belongs to section BIND but sits under/);
});

test('checks catch a traceability row that is missing, duplicated or wrong', () => {
  const row = '| ISOLATION-1 | MUST | Two isolated profiles on two ports run side by side | [ISOLATION-1](#isolation-1) | `harness/checks/isolation.ts` |';
  assertProblem(checkAll(mutate(`${row}\n`, ''), catalogue), /^ISOLATION-1: listed 0 times/);
  assertProblem(checkAll(mutate(row, `${row}\n${row}`), catalogue), /^ISOLATION-1: listed 2 times/);
  assertProblem(
    checkAll(mutate(row, row.replace('checks/isolation.ts', 'checks/iso.ts')), catalogue),
    /^ISOLATION-1: traceability check file/,
  );
  assertProblem(checkAll(mutate(row, row.replace('(#isolation-1)', '(#isolation-2)')), catalogue), /^ISOLATION-1: traceability links to #isolation-2/);
  assertProblem(checkAll(mutate('<a id="isolation-1"></a>', ''), catalogue), /^ISOLATION-1: traceability links to #isolation-1, which is not an anchor/);
});

test('headings inside fenced code blocks are ignored', () => {
  const fenced = `${spec}\n\`\`\`\n### BIND-1 (MUST): example inside a code block\n\`\`\`\n`;
  assert.deepEqual(checkAll(fenced, catalogue), []);
});

// ---------------------------------------------------------------------------------------------
// report.schema.json
// ---------------------------------------------------------------------------------------------

// ajv is CommonJS: under NodeNext the default import may be the module object or the class.
type AjvClass = typeof Ajv2020.default;
const Ajv: AjvClass = (Ajv2020 as unknown as { default?: AjvClass }).default ?? (Ajv2020 as unknown as AjvClass);

function compileSchema() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  return ajv.compile(schema);
}

function sampleCheck(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    id: 'CONFLICT-1',
    level: 'MUST',
    title: 'Foreign occupier: exits non-zero with the exact lock message',
    section: 'CONFLICT',
    status: 'fail',
    outcome: 'expected-failure',
    durationMs: 812.5,
    message: 'occupier 0.0.0.0:41000: candidate exited 1 without the lock message',
    measurements: { spawnToExitMs: 640.25 },
    evidence: {
      expected: 'another gateway instance is already listening on ws://127.0.0.1:41000',
      actual: 'Error: listen EADDRINUSE',
      processes: [
        {
          role: 'candidate',
          pid: 4242,
          argv: ['node', 'gateway.js', '--port', '41000'],
          gatewayPid: 4243,
          exitCode: 1,
          signal: null,
          stdoutTail: '',
          stderrTail: 'Error: listen EADDRINUSE\n',
        },
        {
          role: 'occupier',
          pid: 4240,
          argv: ['node', 'occupier.js'],
          exitCode: null,
          signal: 'SIGKILL',
          stdoutTail: '',
          stderrTail: '',
        },
      ],
      portHolders: [{ pid: 4240, cmdline: 'node occupier.js', address: '0.0.0.0:41000', inode: 123456 }],
      timeline: [
        { tMs: 0, event: 'spawn', detail: 'candidate' },
        { tMs: 640.25, event: 'exit' },
      ],
      notes: [],
    },
    ...overrides,
  };
}

function sampleReport(): Report {
  return {
    ...reportHeader({ selected: ['BIND-1', 'CONFLICT-1'] }),
    candidate: { argv: ['node', 'gateway.js', '--port', '{port}'], cwd: '/work', env: { STATE: '{stateDir}' } },
    warmup: { durationMs: 850, listenMs: 640, readyMs: 180, readiness: 'quiescent' },
    startedAt: '2025-12-11T09:00:00.000Z',
    durationMs: 1234,
    spawns: 4,
    conformant: true,
    exitCode: 0,
    summary: { total: 2, pass: 1, fail: 1, skip: 0, error: 0, expectedFailures: 1, staleExpectedFailures: 0, passed: 1, failed: 0, warnings: 0, mustNotRun: [] },
    checks: [
      sampleCheck({
        id: 'BIND-1',
        title: 'Listens on 127.0.0.1:P at startup with --port P',
        section: 'BIND',
        status: 'pass',
        outcome: 'pass',
        measurements: {},
        evidence: { processes: [], portHolders: [], timeline: [], notes: ['[::1]:41000 alias'] },
      }),
      sampleCheck(),
    ],
  };
}

/** A deep copy of `value` with the property at `path` deleted or replaced. */
function edit(value: unknown, path: (string | number)[], replacement?: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (arguments.length < 3) delete node[last];
  else node[last] = replacement;
  return copy;
}

test('report.schema.json is a draft 2020-12 schema that compiles in ajv strict mode', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(typeof schema.$id, 'string');
  assert.deepEqual((schema.properties as Record<string, { const?: unknown }>).schemaVersion?.const, 2);
  assert.doesNotThrow(() => compileSchema());
});

test('the schema accepts valid reports', () => {
  const validate = compileSchema();
  const report = sampleReport();
  assert.ok(validate(report), JSON.stringify(validate.errors));
  for (const outcome of ['pass', 'fail', 'skip', 'error', 'expected-failure', 'stale-expected-failure', 'should-failure'] as const) {
    assert.ok(validate(edit(report, ['checks', 1, 'outcome'], outcome)), `outcome ${outcome}`);
  }
  for (const status of ['pass', 'fail', 'skip', 'error'] as const) {
    assert.ok(validate(edit(report, ['checks', 1, 'status'], status)), `status ${status}`);
  }
  for (const exitCode of [0, 1, 2]) assert.ok(validate(edit(report, ['exitCode'], exitCode)), `exitCode ${exitCode}`);
  // Optional fields may be absent; nullable ones may be null.
  for (const path of [
    ['checks', 1, 'evidence', 'expected'],
    ['checks', 1, 'evidence', 'actual'],
    ['checks', 1, 'evidence', 'processes', 0, 'gatewayPid'],
    ['checks', 1, 'evidence', 'timeline', 0, 'detail'],
  ]) {
    assert.ok(validate(edit(report, path)), `without optional ${path.join('.')}`);
  }
  assert.ok(validate(edit(report, ['checks', 1, 'evidence', 'processes', 0, 'exitCode'], null)));
  assert.ok(validate(edit(report, ['checks', 1, 'evidence', 'processes', 0, 'signal'], 'SIGTERM')));
  assert.ok(validate(edit(report, ['checks'], [])), 'an empty checks array');
});

test('the schema accepts a partial (interrupted) report, --require/--fail-on-skip, and earlier schemaVersion 2 summaries', () => {
  const validate = compileSchema();
  const interrupted = edit(sampleReport(), ['interrupted'], { signal: 'SIGINT', running: ['CONFLICT-1'], notStarted: ['CRASH-1'] });
  assert.ok(validate(interrupted), JSON.stringify(validate.errors));
  assert.ok(validate(edit(interrupted, ['interrupted', 'signal'])), 'interrupted without a signal');
  assert.equal(validate(edit(interrupted, ['interrupted', 'running'])), false, 'interrupted without running');
  const options = edit(edit(sampleReport(), ['options', 'require'], ['BIND-2']), ['options', 'failOnSkip'], true);
  assert.ok(validate(options), JSON.stringify(validate.errors));
  assert.equal(validate(edit(sampleReport(), ['summary', 'mustNotRun'], ['bind-2'])), false, 'bad id in mustNotRun');
  let earlier = sampleReport() as unknown;
  for (const key of ['passed', 'failed', 'warnings', 'mustNotRun']) earlier = edit(earlier, ['summary', key]);
  assert.ok(validate(earlier), 'a summary written before passed/failed/warnings/mustNotRun existed');
});

test('the schema rejects a bad status and a missing checks array', () => {
  const validate = compileSchema();
  assert.equal(validate(edit(sampleReport(), ['checks', 0, 'status'], 'passed')), false, 'bad status accepted');
  assert.equal(validate(edit(sampleReport(), ['checks'])), false, 'missing checks accepted');
});

test('the schema rejects what the Report type forbids', () => {
  const validate = compileSchema();
  const report = sampleReport();
  const invalid: [string, unknown][] = [
    ['schemaVersion 1', edit(report, ['schemaVersion'], 1)],
    ['exitCode 3', edit(report, ['exitCode'], 3)],
    ['bad outcome', edit(report, ['checks', 0, 'outcome'], 'flaky')],
    ['bad level', edit(report, ['checks', 0, 'level'], 'MAY')],
    ['lower-case id', edit(report, ['checks', 0, 'id'], 'bind-1')],
    ['id without number', edit(report, ['checks', 0, 'id'], 'BIND')],
    ['extra top-level field', edit(report, ['extra'], true)],
    ['extra check field', edit(report, ['checks', 0, 'extra'], true)],
    ['extra evidence field', edit(report, ['checks', 0, 'evidence', 'extra'], true)],
    ['string measurement', edit(report, ['checks', 1, 'measurements', 'spawnToExitMs'], '640')],
    ['null measurement', edit(report, ['checks', 1, 'measurements', 'spawnToExitMs'], null)],
    ['non-string env value', edit(report, ['candidate', 'env', 'STATE'], 1)],
    ['string uid', edit(report, ['environment', 'uid'], '1000')],
    ['conformant as string', edit(report, ['conformant'], 'yes')],
    ['undefined exitCode in process (absent)', edit(report, ['checks', 1, 'evidence', 'processes', 0, 'exitCode'])],
  ];
  for (const [name, value] of invalid) assert.equal(validate(value), false, `accepted: ${name}`);
});

test('the schema requires every required field of the Report type', () => {
  const validate = compileSchema();
  const report = sampleReport();
  // passed, failed, warnings, mustNotRun, isolated, earlyStop, spawns and requirement: optional so that
  // earlier schemaVersion 2 reports stay valid.
  const optional = new Set(['gatewayPid', 'expected', 'actual', 'detail', 'warmup', 'listenMs', 'readyMs', 'readiness', 'passed', 'failed', 'warnings', 'mustNotRun', 'isolated', 'earlyStop', 'spawns', 'requirement']);
  const open = new Set(['measurements', 'env']); // records: any keys, none required
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const last = path[path.length - 1];
      if (typeof last === 'string' && open.has(last)) continue;
      if (!optional.has(key)) paths.push([...path, key]);
      walk(child, [...path, key]);
    }
  };
  walk(report, []);
  assert.ok(paths.length > 60, `too few required paths found: ${paths.length}`);
  for (const path of paths) assert.equal(validate(edit(report, path)), false, `accepted without ${path.join('.')}`);
});
