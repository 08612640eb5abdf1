// The retrain policies compared by the study, what one month of one policy gave, and the figures
// of one policy run (one scenario, one seed). Pure.
import type { StudyEvent } from './scenarios.js';

export interface Policy {
  /** `monthly`, `every-3`, `never`, `drift`. */
  name: string;
  label: string;
  /** Calendar policies: whether the policy retrains in month t. Undefined: the example's drift gates decide. */
  retrainsIn?: (t: number) => boolean;
}

export const POLICIES: readonly Policy[] = [
  { name: 'monthly', label: 'retrain every month', retrainsIn: () => true },
  { name: 'every-3', label: 'retrain every 3 months', retrainsIn: (t) => (t - 1) % 3 === 0 },
  { name: 'never', label: 'never retrain', retrainsIn: () => false },
  { name: 'drift', label: "drift-triggered (the example's gates)" },
];

export const DEFAULT_POLICIES = ['monthly', 'never', 'drift'];

/** The policy every other is measured against: it always has the freshest model. */
export const REFERENCE_POLICY = 'monthly';

export function policyByName(name: string): Policy {
  const policy = POLICIES.find((p) => p.name === name);
  if (!policy) throw new Error(`unknown policy '${name}' (policies: ${POLICIES.map((p) => p.name).join(', ')})`);
  return policy;
}

/** What opened a retrain: the calendar, or one of the drift gate's inputs. */
export type Trigger = 'calendar' | 'no champion' | 'dataset drift' | 'performance drift' | 'volume';
export const TRIGGERS: readonly Trigger[] = ['calendar', 'no champion', 'dataset drift', 'performance drift', 'volume'];

/** What one simulated month of one policy gave, read from the real run. */
export interface MonthRecord {
  month: number;
  /** The train stage ran this month. */
  retrained: boolean;
  /** The package stage ran: a new champion serves from next month. */
  promoted: boolean;
  /** True accuracy of the model serving this month (the champion) on all of this month's rows. */
  accuracy: number;
  /** The champion's accuracy on this month's rows estimated from its probabilities alone (CBPE). */
  estimatedAccuracy: number;
  /** Seconds the train stage ran this month (0 when it did not). */
  trainSeconds: number;
  /** The drift stage's verdict (dataset or performance drift), whatever the policy did with it. */
  drift: boolean;
  /** The features the drift stage found drifted (whatever the dataset verdict). */
  driftedFeatures: string[];
  /** The drift gate would open train this month (whatever the policy did). */
  gateOpen: boolean;
  /** The current batch has readings outside the quality ranges or a stuck sensor. */
  qualityAlert: boolean;
  /** The gate inputs that were open when train ran (empty when it did not). */
  triggers: Trigger[];
  /** Every simulated month whose labels the run could read. */
  labelledMonths: number[];
}

export interface PolicyRun {
  scenario: string;
  seed: number;
  policy: string;
  months: MonthRecord[];
  /** Bytes the run's cache grew by over the simulated months (the first model's excluded). */
  cacheBytesAdded: number;
}

/** The figures of one policy run. */
export interface RunFigures {
  /** Accuracy below the monthly policy's, summed over months (accuracy-months; a month where it does better counts 0). */
  accuracyLost: number;
  meanAccuracy: number;
  /** Months from the scenario's first change to the first drift or data-quality alert at or after it; null: none came, or no change. */
  detection: number | null;
  /** Months from the scenario's first change to the first retrain at or after it; null: none came, or no change. */
  response: number | null;
  retrains: number;
  /** Retrains whose challenger was not promoted: compute that changed nothing in production. */
  unnecessary: number;
  trainSeconds: number;
  cacheBytesAdded: number;
  driftAlerts: number;
  qualityAlerts: number;
  /** Retrains each trigger opened (a retrain with two open triggers counts for both). */
  triggers: Record<Trigger, number>;
  /** Mean absolute error of the estimated accuracy against the true accuracy. */
  estimateError: number;
}

/** Months from `onset` to the first month ≥ onset where `happened`, or null. */
export function latency(months: readonly MonthRecord[], onset: number, happened: (m: MonthRecord) => boolean): number | null {
  const first = months.find((m) => m.month >= onset && happened(m));
  return first ? first.month - onset : null;
}

export const retrainedIn = (m: MonthRecord): boolean => m.retrained;
export const alertedIn = (m: MonthRecord): boolean => m.drift || m.qualityAlert;

/** Accuracy below the reference run's, summed over the months both ran. */
export function accuracyLost(run: readonly MonthRecord[], reference: readonly MonthRecord[]): number {
  const byMonth = new Map(reference.map((m) => [m.month, m.accuracy]));
  let lost = 0;
  for (const m of run) {
    const ref = byMonth.get(m.month);
    if (ref !== undefined) lost += Math.max(0, ref - m.accuracy);
  }
  return lost;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

export function runFigures(run: PolicyRun, reference: PolicyRun, events: readonly StudyEvent[]): RunFigures {
  const ms = run.months;
  const triggers = Object.fromEntries(TRIGGERS.map((t) => [t, ms.filter((m) => m.triggers.includes(t)).length])) as Record<Trigger, number>;
  return {
    accuracyLost: accuracyLost(ms, reference.months),
    meanAccuracy: mean(ms.map((m) => m.accuracy)),
    detection: events.length ? latency(ms, events[0]!.month, alertedIn) : null,
    response: events.length ? latency(ms, events[0]!.month, retrainedIn) : null,
    retrains: ms.filter((m) => m.retrained).length,
    unnecessary: ms.filter((m) => m.retrained && !m.promoted).length,
    trainSeconds: ms.reduce((s, m) => s + m.trainSeconds, 0),
    cacheBytesAdded: run.cacheBytesAdded,
    driftAlerts: ms.filter((m) => m.drift).length,
    qualityAlerts: ms.filter((m) => m.qualityAlert).length,
    triggers,
    estimateError: mean(ms.map((m) => Math.abs(m.estimatedAccuracy - m.accuracy))),
  };
}
