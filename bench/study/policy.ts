// The retrain policies compared by the study, and what is measured of each: detection latency,
// accuracy lost against retraining every month, retrains and the seconds spent training. Pure.

export interface Policy {
  /** `every-1`, `every-3`, `every-6`, `drift`. */
  name: string;
  label: string;
  /** Calendar policies: retrain every this many months; undefined: the example's drift gates. */
  every?: number;
}

export const POLICIES: readonly Policy[] = [
  { name: 'every-1', label: 'retrain every month', every: 1 },
  { name: 'every-3', label: 'retrain every 3 months', every: 3 },
  { name: 'every-6', label: 'retrain every 6 months', every: 6 },
  { name: 'drift', label: "drift-triggered (the example's gates)" },
];

/** The policy every other is measured against: it always has the freshest model. */
export const REFERENCE_POLICY = 'every-1';

export function policyByName(name: string): Policy {
  const policy = POLICIES.find((p) => p.name === name);
  if (!policy) throw new Error(`unknown policy '${name}' (policies: ${POLICIES.map((p) => p.name).join(', ')})`);
  return policy;
}

/** Whether a calendar policy retrains in simulated month `t` (month 1 always: there is no model yet). */
export function calendarRetrain(policy: Policy, t: number): boolean {
  if (policy.every === undefined) throw new Error(`${policy.name} is not a calendar policy`);
  return (t - 1) % policy.every === 0;
}

/** What one simulated month of one policy gave, read from the real run. */
export interface MonthRecord {
  month: number;
  /** The train stage ran this month. */
  retrained: boolean;
  /** The package stage ran: a new champion serves from next month. */
  promoted: boolean;
  /** Accuracy of the model serving this month (the champion, on this month's rows); null with none. */
  accuracy: number | null;
  /** Seconds the train stage ran this month (0 when it did not). */
  trainSeconds: number;
  /** The drift stage's verdict (dataset or performance drift), whatever the policy did with it. */
  drift: boolean;
}

export interface PolicyRun {
  policy: Policy;
  months: MonthRecord[];
}

/** A change in the data the study puts at a chosen month. */
export interface StudyEvent {
  name: string;
  month: number;
}

export interface PolicyRow {
  policy: string;
  label: string;
  /** Months from each event's onset to the first retrain at or after it; null when none came. */
  latency: Record<string, number | null>;
  /** Sum over months of how far accuracy fell below the every-month policy's (never negative); null when every-1 was not run. */
  accuracyLost: number | null;
  meanAccuracy: number | null;
  retrains: number;
  promotions: number;
  trainSeconds: number;
}

/** Months from `onset` to the first retrain in a month ≥ onset, or null. */
export function detectionLatency(months: readonly MonthRecord[], onset: number): number | null {
  const first = months.find((m) => m.month >= onset && m.retrained);
  return first ? first.month - onset : null;
}

/** Accuracy below the reference run's, summed over the months both have a model for. */
export function accuracyLost(run: readonly MonthRecord[], reference: readonly MonthRecord[]): number {
  const byMonth = new Map(reference.map((m) => [m.month, m.accuracy]));
  let lost = 0;
  for (const m of run) {
    const ref = byMonth.get(m.month);
    if (m.accuracy === null || ref === null || ref === undefined) continue;
    lost += Math.max(0, ref - m.accuracy);
  }
  return lost;
}

/** One row per policy, in the order run. */
export function summarize(runs: readonly PolicyRun[], events: readonly StudyEvent[]): PolicyRow[] {
  const reference = runs.find((r) => r.policy.name === REFERENCE_POLICY)?.months;
  return runs.map(({ policy, months }) => {
    const served = months.map((m) => m.accuracy).filter((a): a is number => a !== null);
    return {
      policy: policy.name,
      label: policy.label,
      latency: Object.fromEntries(events.map((e) => [e.name, detectionLatency(months, e.month)])),
      accuracyLost: reference ? accuracyLost(months, reference) : null,
      meanAccuracy: served.length ? served.reduce((a, b) => a + b, 0) / served.length : null,
      retrains: months.filter((m) => m.retrained).length,
      promotions: months.filter((m) => m.promoted).length,
      trainSeconds: months.reduce((s, m) => s + m.trainSeconds, 0),
    };
  });
}

function fixed(value: number | null, digits: number): string {
  return value === null ? '–' : value.toFixed(digits);
}

/** The results as a GitHub-markdown table. */
export function markdownTable(rows: readonly PolicyRow[], events: readonly StudyEvent[]): string {
  const headers = [
    'Policy',
    ...events.map((e) => `Latency: ${e.name} (month ${e.month})`),
    'Accuracy lost vs every month',
    'Mean accuracy',
    'Retrains',
    'Promotions',
    'Train compute (s)',
  ];
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const latency = events.map((e) => {
      const l = r.latency[e.name];
      return l === null || l === undefined ? 'never' : `${l} mo`;
    });
    lines.push(`| ${[r.label, ...latency, fixed(r.accuracyLost, 3), fixed(r.meanAccuracy, 3), String(r.retrains), String(r.promotions), fixed(r.trainSeconds, 1)].join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** Vega-Lite spec: the serving model's accuracy month by month per policy, retrains as points, events as rules. */
export function accuracyChart(runs: readonly PolicyRun[], events: readonly StudyEvent[]): Record<string, unknown> {
  const values = runs.flatMap((r) => r.months.filter((m) => m.accuracy !== null).map((m) => ({ policy: r.policy.label, month: m.month, accuracy: m.accuracy, retrained: m.retrained })));
  const x = { field: 'month', type: 'quantitative', title: 'Simulated month', axis: { tickMinStep: 1 } };
  const color = { field: 'policy', type: 'nominal', title: 'Policy' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 720,
    height: 320,
    title: 'Accuracy of the model in production, month by month (filled points: the policy retrained that month)',
    layer: [
      {
        data: { values: events.map((e) => ({ event: `${e.name} (month ${e.month})`, month: e.month })) },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { x, tooltip: [{ field: 'event', type: 'nominal' }] },
      },
      { data: { values }, mark: { type: 'line' }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy', scale: { zero: false } }, color } },
      {
        data: { values: values.filter((v) => v.retrained) },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: { x, y: { field: 'accuracy', type: 'quantitative' }, color, tooltip: [{ field: 'policy' }, { field: 'month' }, { field: 'accuracy', format: '.3f' }] },
      },
    ],
  };
}
