import { bindChecks } from './bind.js';
import { bindfailChecks } from './bindfail.js';
import type { Check } from './check.js';
import { conflictChecks } from './conflict.js';
import { crashChecks } from './crash.js';
import { isolationChecks } from './isolation.js';
import { shutdownChecks } from './shutdown.js';

/** Every check, in catalogue order. */
export const CHECKS: Check[] = [
  ...bindChecks,
  ...conflictChecks,
  ...bindfailChecks,
  ...crashChecks,
  ...shutdownChecks,
  ...isolationChecks,
];
