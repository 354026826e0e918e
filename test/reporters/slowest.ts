/**
 * A node:test reporter that prints the ten slowest tests once the run has ended (npm test adds it
 * beside the spec reporter): where CI time goes, on every run, without reading the whole log.
 * Suites and the per-file wrappers are left out; each test is named with its file.
 */
import { basename } from 'node:path';

interface TestEvent {
  type: string;
  data: { name: string; nesting: number; file?: string; details?: { duration_ms?: number; type?: string } };
}

const SHOWN = 10;

export default async function* slowest(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const done: { name: string; ms: number; file: string }[] = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, details } = event.data;
    if (details?.type === 'suite' || details?.duration_ms === undefined) continue;
    if (file !== undefined && name === file) continue; // the wrapper node --test makes per file
    done.push({ name, ms: details.duration_ms, file: file ? basename(file) : '' });
  }
  if (done.length === 0) return;
  done.sort((a, b) => b.ms - a.ms);
  const lines = done.slice(0, SHOWN).map((t) => `${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.file}: ${t.name}`);
  yield `\nThe ${Math.min(SHOWN, done.length)} slowest of ${done.length} tests:\n${lines.join('\n')}\n`;
}
