/**
 * The verdict table `npm run real-builds` prints per build and variant: one row per requirement,
 * one verdict column per revision the build was judged on (the seed, its own), each beside whether
 * it equals the hand-measured truth of that revision. A changed requirement shares its row with the
 * one it replaces (CONFLICT-2 and CONFLICT-2F), so the seed and the own verdict of one guarantee
 * read side by side; a requirement new in a revision gets a row of its own.
 */

/** One harness run's verdicts and the truth it is held to. */
export interface Column {
  /** The header, e.g. "seed 2025-12-11". */
  label: string;
  checks: { id: string; level: string; status: string }[];
  /** The IDs the truth says fail (expected-failures*.txt); every other ID passes. */
  truth: Set<string>;
}

export const truthOf = (column: Column, id: string): 'pass' | 'fail' => (column.truth.has(id) ? 'fail' : 'pass');

/**
 * Rows (header first) of the table over the columns. `replaces` maps a changed requirement's ID
 * to the ID it replaces in the base revision (from the revision data).
 */
export function verdictRows(columns: Column[], replaces: ReadonlyMap<string, string>): string[][] {
  const rows: { key: string; ids: string[]; level: string; cells: string[][] }[] = [];
  columns.forEach((column, c) => {
    for (const check of column.checks) {
      const key = replaces.get(check.id) ?? check.id;
      let row = rows.find((r) => r.key === key);
      if (!row) rows.push((row = { key, ids: [], level: check.level, cells: columns.map(() => ['-', '-']) }));
      if (!row.ids.includes(check.id)) row.ids.push(check.id);
      row.level = check.level;
      row.cells[c] = [check.status, check.status === truthOf(column, check.id) ? 'yes' : `NO (truth: ${truthOf(column, check.id)})`];
    }
  });
  const header = ['ID', 'level', ...columns.flatMap((column) => [column.label, '= truth'])];
  return [header, ...rows.map((row) => [row.ids.join(' / '), row.level, ...row.cells.flat()])];
}

/** Rows as a plain text table, columns padded, ` | ` between them. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd()).join('\n') + '\n';
}
