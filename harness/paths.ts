import { fileURLToPath } from 'node:url';

/** A path inside the package; this file runs as dist/harness/paths.js, two levels below the root. */
export const packagePath = (relative: string): string => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
