import { htmlReporter } from './html.js';
import { junitXml } from './junit.js';
import { markdownReporter } from './markdown.js';
import type { Reporter } from './reporter.js';
import { specReporter } from './spec.js';
import type { Style } from './style.js';
import { tapReporter } from './tap.js';

export const REPORTERS = ['spec', 'tap', 'json', 'markdown', 'junit', 'html'] as const;
export type ReporterName = (typeof REPORTERS)[number];

export function createReporter(name: ReporterName, style: Style): Reporter {
  switch (name) {
    case 'spec':
      return specReporter(style);
    case 'tap':
      return tapReporter();
    case 'markdown':
      return markdownReporter();
    case 'junit':
      return { finish: junitXml };
    case 'html':
      return htmlReporter();
    case 'json':
      return { finish: (report) => `${JSON.stringify(report, null, 2)}\n` };
  }
}

export { junitXml } from './junit.js';
export { htmlReport } from './html.js';
export type { Reporter, RunStart } from './reporter.js';
