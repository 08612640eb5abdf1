// The study's results as a reader sees them: markdown tables (per scenario: mean and min–max
// across seeds), the goals table, and one Vega-Lite chart per scenario for the HTML page. Pure.
import { policyByName, TRIGGERS, type PolicyRun } from './policy.js';
import type { StudyEvent } from './scenarios.js';
import type { Goal, Latency, PolicyRow, Spread } from './summary.js';

function fixed(s: Spread, digits: number, scale = 1): string {
  const f = (x: number) => (x * scale).toFixed(digits);
  return s.min === s.max ? f(s.mean) : `${f(s.mean)} (${f(s.min)}–${f(s.max)})`;
}

function latencyCell(l: Latency, seeds: number, hasEvent: boolean): string {
  if (!hasEvent) return '–';
  const parts = [];
  if (l.spread) parts.push(`${fixed(l.spread, 1)} mo`);
  if (l.never) parts.push(`never in ${l.never} of ${seeds}`);
  return parts.join('; ');
}

function triggerCell(r: PolicyRow): string {
  const used = TRIGGERS.filter((t) => r.triggers[t] > 0).map((t) => `${t} ${r.triggers[t]}`);
  return used.length ? used.join(', ') : '–';
}

export const TABLE_HEADERS = [
  'Policy',
  'Accuracy lost vs monthly (acc-months)',
  'Mean accuracy',
  'Detection latency (first alert)',
  'Response latency (first retrain)',
  'Retrains',
  'Unnecessary retrains',
  'Train compute (s)',
  'Cache added (kB)',
  'Drift alerts',
  'Data-quality alerts',
  'Retrains opened by (all seeds)',
];

/** One scenario's table: a row per policy, mean (min–max) across seeds. */
export function scenarioTable(rows: readonly PolicyRow[], events: readonly StudyEvent[]): string {
  const lines = [`| ${TABLE_HEADERS.join(' | ')} |`, `|${TABLE_HEADERS.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        policyByName(r.policy).label,
        fixed(r.accuracyLost, 3),
        fixed(r.meanAccuracy, 3),
        latencyCell(r.detection, r.seeds, events.length > 0),
        latencyCell(r.response, r.seeds, events.length > 0),
        fixed(r.retrains, 1),
        fixed(r.unnecessary, 1),
        fixed(r.trainSeconds, 1),
        fixed(r.cacheBytesAdded, 0, 1 / 1000),
        fixed(r.driftAlerts, 1),
        fixed(r.qualityAlerts, 1),
        triggerCell(r),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}

export function goalsTable(goals: readonly Goal[]): string {
  const lines = ['| Goal (drift-triggered policy) | Target | Measured | |', '|---|---:|---:|---|'];
  for (const g of goals) lines.push(`| ${g.name} | ${g.target} | ${g.measured} | ${g.target === '–' ? '' : g.met ? 'met' : 'missed'} |`);
  return lines.join('\n') + '\n';
}

/** Vega-Lite spec: the production model's accuracy by month (mean over seeds) per policy; changes as rules, retrains as points. */
export function scenarioChart(title: string, runs: readonly PolicyRun[], events: readonly StudyEvent[]): Record<string, unknown> {
  const cells = new Map<string, { policy: string; month: number; sum: number; n: number; retrains: number }>();
  for (const run of runs) {
    for (const m of run.months) {
      const key = `${run.policy}/${m.month}`;
      const cell = cells.get(key) ?? { policy: policyByName(run.policy).label, month: m.month, sum: 0, n: 0, retrains: 0 };
      cell.sum += m.accuracy;
      cell.n++;
      if (m.retrained) cell.retrains++;
      cells.set(key, cell);
    }
  }
  const values = [...cells.values()].map((c) => ({ policy: c.policy, month: c.month, accuracy: c.sum / c.n, retrains: c.retrains, seeds: c.n }));
  const x = { field: 'month', type: 'quantitative', title: 'Simulated month', axis: { tickMinStep: 1 } };
  const color = { field: 'policy', type: 'nominal', title: 'Policy' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: 260,
    title: `${title}: accuracy in production, mean over seeds (points: months where a policy retrained in some seed)`,
    layer: [
      {
        data: { values: events.map((e) => ({ event: `${e.name} (month ${e.month})`, month: e.month })) },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { x, tooltip: [{ field: 'event', type: 'nominal' }] },
      },
      { data: { values }, mark: { type: 'line' }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy', scale: { zero: false } }, color } },
      {
        data: { values: values.filter((v) => v.retrains > 0) },
        mark: { type: 'point', filled: true },
        encoding: {
          x,
          y: { field: 'accuracy', type: 'quantitative' },
          color,
          size: { field: 'retrains', type: 'quantitative', title: 'Seeds that retrained' },
          tooltip: [{ field: 'policy' }, { field: 'month' }, { field: 'accuracy', format: '.3f' }, { field: 'retrains', title: 'seeds that retrained' }],
        },
      },
    ],
  };
}
