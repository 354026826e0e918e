/** `--dry-run`: the plan of a run as text, one line per scenario run, in the order they start. */
import type { RunPlan } from '../report.js';

const range = ({ least, most }: { least: number; most: number }) => (least === most ? `${most}` : `${least}-${most}`);

export function planText(plan: RunPlan, settings: { isolated: boolean; trials: number; earlyStop: boolean; concurrency: number }): string {
  const rows = [
    ...(plan.warmup ? [{ scenario: 'warm-up', spawns: '1', serves: '(judged by nothing: warms the caches)' }] : []),
    ...plan.units.map((u) => ({ scenario: u.scenario, spawns: range(u.spawns), serves: `${u.checks.join(', ')}${u.alone ? '  (alone)' : ''}` })),
  ];
  const width = Math.max(...rows.map((r) => r.scenario.length), 'scenario run'.length);
  const spawnWidth = Math.max(...rows.map((r) => r.spawns.length), 'spawns'.length);
  const line = (a: string, b: string, c: string) => `  ${a.padEnd(width)}  ${b.padStart(spawnWidth)}  ${c}`;
  const trials = `${settings.trials} trials at most per timed check${settings.earlyStop ? ', a clear series ends after 3' : ', every trial (--no-early-stop)'}`;
  return [
    `Plan: ${settings.isolated ? 'isolated' : 'shared'} planning, ${trials}, ${settings.concurrency} scenario run(s) at a time`,
    line('scenario run', 'spawns', 'serves'),
    ...rows.map((r) => line(r.scenario, r.spawns, r.serves)),
    `${plan.units.length} scenario runs${plan.warmup ? ' and a warm-up' : ''}: ${range(plan.spawns)} candidate processes${settings.isolated ? ' at most (an isolated run does only what its check needs)' : ''}. Nothing was started (--dry-run).`,
    '',
  ].join('\n');
}
