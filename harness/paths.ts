import { fileURLToPath } from 'node:url';

/** The package root: this file runs as dist/harness/paths.js. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const packagePath = (relative: string): string => fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
