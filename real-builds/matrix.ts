/**
 * The real-builds matrix for the README: every kept report (`<build>-<variant>`) as a column of
 * `gateway-lock-conformance compare`, in the order the runs were made. `npm run real-builds`
 * prints it at the end (and writes matrix.md beside the kept reports); the same table comes from
 * `gateway-lock-conformance compare <dir>/*.json` over saved reports.
 */
import type { Report } from '../harness/report.js';
import { compareMarkdown, compareReports } from '../harness/reporters/compare.js';

export interface KeptReport {
  /** `<build>-<variant>`, the name the report is kept under. */
  label: string;
  report: Report;
}

export function realBuildsMatrix(kept: KeptReport[]): string {
  return compareMarkdown(compareReports(kept.map(({ label, report }) => ({ label, report }))));
}
