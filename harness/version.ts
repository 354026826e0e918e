import { readFileSync } from 'node:fs';
import { packagePath } from './paths.js';

const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { name: string; version: string };

export const HARNESS = { name: pkg.name, version: pkg.version };
