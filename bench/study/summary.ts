// The study's figures across seeds (mean and min–max per scenario and policy) and its goals
// (means over scenarios and seeds), from the policy runs. Pure.
import { REFERENCE_POLICY, runFigures, TRIGGERS, type PolicyRun, type RunFigures, type Trigger } from './policy.js';
import type { StudyEvent } from './scenarios.js';

/** A latency across seeds: the spread where it came, and in how many seeds it never did. */
export interface Latency {
  spread: Spread | null;
  never: number;
}

function latencyOf(values: readonly (number | null)[]): Latency {
  const came = values.filter((l): l is number => l !== null);
  return { spread: came.length ? spread(came) : null, never: values.length - came.length };
}

export interface Spread {
  mean: number;
  min: number;
  max: number;
}

/** One scenario × policy cell of the table. */
export interface PolicyRow {
  scenario: string;
  policy: string;
  seeds: number;
  accuracyLost: Spread;
  meanAccuracy: Spread;
  /** Over the seeds where an alert (a retrain) followed the change; null where none did. */
  detection: Latency;
  response: Latency;
  retrains: Spread;
  unnecessary: Spread;
  trainSeconds: Spread;
  cacheBytesAdded: Spread;
  driftAlerts: Spread;
  qualityAlerts: Spread;
  /** Retrains each trigger opened, summed over seeds. */
  triggers: Record<Trigger, number>;
  estimateError: Spread;
}

export function spread(values: readonly number[]): Spread {
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/** Every run's figures, measured against the monthly run of its scenario and seed. */
export function figuresOf(runs: readonly PolicyRun[], eventsOf: (scenario: string) => StudyEvent[]): Map<PolicyRun, RunFigures> {
  const out = new Map<PolicyRun, RunFigures>();
  for (const run of runs) {
    const reference = runs.find((r) => r.scenario === run.scenario && r.seed === run.seed && r.policy === REFERENCE_POLICY);
    if (!reference) throw new Error(`the ${REFERENCE_POLICY} policy was not run for ${run.scenario} seed ${run.seed}: accuracy lost is measured against it`);
    out.set(run, runFigures(run, reference, eventsOf(run.scenario)));
  }
  return out;
}

export function summarize(runs: readonly PolicyRun[], figures: Map<PolicyRun, RunFigures>, scenarios: readonly string[], policies: readonly string[]): PolicyRow[] {
  const rows: PolicyRow[] = [];
  for (const scenario of scenarios) {
    for (const policy of policies) {
      const fs = runs.filter((r) => r.scenario === scenario && r.policy === policy).map((r) => figures.get(r)!);
      if (!fs.length) continue;
      const pick = (key: keyof Omit<RunFigures, 'detection' | 'response' | 'triggers'>) => spread(fs.map((f) => f[key]));
      rows.push({
        scenario,
        policy,
        seeds: fs.length,
        accuracyLost: pick('accuracyLost'),
        meanAccuracy: pick('meanAccuracy'),
        detection: latencyOf(fs.map((f) => f.detection)),
        response: latencyOf(fs.map((f) => f.response)),
        retrains: pick('retrains'),
        unnecessary: pick('unnecessary'),
        trainSeconds: pick('trainSeconds'),
        cacheBytesAdded: pick('cacheBytesAdded'),
        driftAlerts: pick('driftAlerts'),
        qualityAlerts: pick('qualityAlerts'),
        triggers: Object.fromEntries(TRIGGERS.map((t) => [t, fs.reduce((s, f) => s + f.triggers[t], 0)])) as Record<Trigger, number>,
        estimateError: pick('estimateError'),
      });
    }
  }
  return rows;
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

const DRIFT = 'drift';

/** The goals for the drift-triggered policy, means over scenarios and seeds. */
export function goals(runs: readonly PolicyRun[], figures: Map<PolicyRun, RunFigures>): Goal[] {
  const of = (policy: string, scenario?: string) => runs.filter((r) => r.policy === policy && (scenario === undefined || r.scenario === scenario));
  const meanOf = (rs: readonly PolicyRun[], pick: (f: RunFigures) => number) => (rs.length ? rs.reduce((s, r) => s + pick(figures.get(r)!), 0) / rs.length : NaN);
  const drift = of(DRIFT);
  const lost = meanOf(drift, (f) => f.accuracyLost);
  const retrainShare = meanOf(drift, (f) => f.retrains) / meanOf(of(REFERENCE_POLICY), (f) => f.retrains);
  const retrains = drift.reduce((s, r) => s + figures.get(r)!.retrains, 0);
  const promoting = retrains ? 1 - drift.reduce((s, r) => s + figures.get(r)!.unnecessary, 0) / retrains : NaN;
  const quiet = of(DRIFT, 'no-change');
  const quietAlerts = quiet.reduce((s, r) => s + figures.get(r)!.driftAlerts, 0);
  const quietNonVolume = quiet.reduce((s, r) => s + r.months.filter((m) => m.retrained && m.triggers.some((t) => t !== 'volume')).length, 0);
  const fault = of(DRIFT, 'sensor-fault');
  const faultUnflagged = fault.filter((r) => figures.get(r)!.qualityAlerts === 0).length;
  const faultRetrains = fault.reduce((s, r) => s + figures.get(r)!.retrains, 0);
  // Diagnostics: the same counts without the retrains the volume trigger opened alone.
  const bySignal = (r: PolicyRun) => r.months.filter((m) => m.retrained && m.triggers.some((t) => t !== 'volume')).length;
  const signalShare = drift.reduce((s, r) => s + bySignal(r), 0) / drift.length / meanOf(of(REFERENCE_POLICY), (f) => f.retrains);
  const faultSignal = fault.reduce((s, r) => s + bySignal(r), 0);
  const estimate = meanOf(runs, (f) => f.estimateError);
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  const list: Goal[] = [
    { name: 'accuracy lost vs monthly', target: '≤ 0.5 accuracy-months', measured: `${lost.toFixed(3)} accuracy-months`, met: lost <= 0.5 },
    { name: 'retrains vs monthly', target: '≤ 40 %', measured: pct(retrainShare), met: retrainShare <= 0.4 },
    { name: '(diagnostic) retrains opened by a drift signal, not the volume trigger alone, vs monthly', target: '–', measured: pct(signalShare), met: signalShare <= 0.4 },
    { name: 'retrains that promote', target: '≥ 70 %', measured: `${pct(promoting)} (${retrains} retrains)`, met: promoting >= 0.7 },
    { name: 'no change: drift alerts', target: '0', measured: String(quietAlerts), met: quietAlerts === 0 },
    { name: 'no change: retrains not opened by the volume trigger', target: '0', measured: String(quietNonVolume), met: quietNonVolume === 0 },
    { name: 'sensor fault: runs without a data-quality alert', target: '0', measured: `${faultUnflagged} of ${fault.length}`, met: faultUnflagged === 0 },
    { name: 'sensor fault: retrains', target: '0', measured: String(faultRetrains), met: faultRetrains === 0 },
    { name: '(diagnostic) sensor fault: retrains opened by a drift signal', target: '–', measured: String(faultSignal), met: faultSignal === 0 },
    { name: 'estimated accuracy, mean absolute error', target: '≤ 0.03', measured: estimate.toFixed(4), met: estimate <= 0.03 },
  ];
  // A goal whose scenario or policy was not run is left out rather than reported as met.
  return list.filter((g) => !g.measured.startsWith('NaN') && !(g.name.startsWith('no change') && !quiet.length) && !(g.name.startsWith('sensor fault') && !fault.length));
}
