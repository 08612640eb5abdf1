// The drift verdict: per-feature statistics and decisions, data quality, and the dataset-level
// summary the gates read. Pure: data in, a report object out.

import { FEATURES, labelledIndices, presentValues, rowCount, selectRows, type Dataset, type FeatureKind, type FeatureName } from './dataset.js';
import { categoryShares, populationStabilityIndex } from './drift-stats.js';
import { driftStatistic, driftStatistics, isDrift, statisticsFor, type DriftStatistic } from './drift-registry.js';
import { estimatePerformance, type PerformanceEstimate } from './cbpe.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import type { DriftParams } from './drift-params.js';
import type { QualityParams } from './params.js';
import { formatNumber } from './format.js';
import { CHAMPION_MODEL } from './layout.js';
import { worsePValue } from './significance.js';
import { mean, std } from './stats.js';

export { categoricalPsi } from './drift-registry.js';

/** A registered statistic's id (drift-registry.ts). */
export type DriftMethod = string;

/** One statistic's verdict on one feature. */
export interface StatisticVerdict {
  score: number;
  threshold: number;
  drifted: boolean;
}

export interface FeatureQuality {
  rows: number;
  missing: number;
  missing_fraction: number;
  out_of_range: number;
  /** Longest run of one repeated reading (numerical features only; 0 for categorical). */
  longest_constant_run: number;
  stuck_value: number | null;
}

export interface FeatureDrift {
  kind: FeatureKind;
  method: DriftMethod;
  /** The method's score: a p-value for ks/chisquare, a distance otherwise. */
  score: number;
  threshold: number;
  /** `p ≤ threshold` for p-values, `score ≥ threshold` for distances. */
  comparison: '<=' | '>=';
  drifted: boolean;
  reason: string;
  reference_mean: number;
  current_mean: number;
  reference_std: number;
  current_std: number;
  psi: number;
  js_distance: number;
  /** Numerical features only (null for categorical). */
  ks_statistic: number | null;
  ks_p_value: number | null;
  ks_method: 'exact' | 'asymp' | null;
  wasserstein_normed: number | null;
  z_score: number | null;
  /** Categorical features only (null for numerical). */
  chisquare_statistic: number | null;
  chisquare_p_value: number | null;
  chisquare_df: number | null;
  quality: { reference: FeatureQuality; current: FeatureQuality };
  /** Every registered statistic that applies to the feature's kind, by id. */
  statistics: Record<string, StatisticVerdict>;
  /** Shares per bin for the report's histograms. */
  histogram: { labels: string[]; reference: number[]; current: number[] };
}

export interface ModelDrift {
  champion_model_id: string;
  prediction: { psi: number; threshold: number; drifted: boolean };
  performance: {
    /** What `reference` was measured on: the champion's evaluation hold-out, or its training rows. */
    reference_source: 'holdout' | 'reference rows' | null;
    reference: ClassificationMetrics | null;
    current: ClassificationMetrics | null;
    accuracy_drop: number | null;
    f1_drop: number | null;
    mse_change: number | null;
    mae_change: number | null;
    /** One-sided p-values that the champion does worse now than on its baseline (significance.ts). */
    p_values: PerformancePValues | null;
    drifted: boolean;
    reasons: string[];
  };
  /** CBPE: the champion's accuracy/F1 expected from its calibrated scores, labels or not. */
  estimate: PerformanceEstimate;
  /** Reference accuracy minus the estimated current accuracy (null without reference labels). */
  estimated_performance_drop: number | null;
}

/** What ingest found that the verdict needs (metrics/ingest.json); defaults when absent. */
export interface BatchFacts {
  /** Rows ingest kept out of the batch (a reading out of range or not finite). */
  quarantinedRows: number;
  /** Labelled rows of the drifted period (the logged requests, else the monitored month). */
  labelledRowsInPeriod: number;
  /** Current rows the reference does not already hold. */
  newRows: number;
}

export interface DriftReport {
  /** One line: drift, no drift, or not enough data (with the count). */
  decision: string;
  enough_data: boolean;
  dataset_drift: boolean;
  drift_share: number;
  n_features: number;
  n_drifted_features: number;
  drifted_features: string[];
  new_data_fraction: number;
  champion_exists: boolean;
  prediction_drift: boolean;
  performance_drift: boolean;
  data_quality_issues: number;
  /** Quarantined rows or a stuck sensor in the current batch: its own alert, not a reason to retrain. */
  data_quality_alert: boolean;
  quarantined_rows: number;
  labelled_rows: number;
  labels_ready: boolean;
  /** Why retraining cannot run yet (null when nothing blocks it); train's gate reads it. */
  retrain_waits_for: string | null;
  estimated_performance_drop: number | null;
  /** Per registered statistic: how many features it finds drifted (for gates). */
  drifted_by: Record<string, number>;
  retrain_recommended: boolean;
  reasons: string[];
  reference_rows: number;
  current_rows: number;
  /** The params that decided the verdicts, as written in params.yaml. */
  thresholds: Record<string, unknown>;
  features: Record<string, FeatureDrift>;
  model: ModelDrift | null;
  quality_issues: string[];
}

export function resolveMethod(kind: FeatureKind, referenceRows: number, p: DriftParams): DriftMethod {
  const chosen = kind === 'numerical' ? p.numericalMethod : p.categoricalMethod;
  if (chosen !== 'auto') return chosen;
  const small = referenceRows <= p.smallReferenceRows;
  if (kind === 'numerical') return small ? 'ks' : 'wasserstein';
  return small ? 'chisquare' : 'jensenshannon';
}

export function featureQuality(values: readonly number[], kind: FeatureKind, range: [number, number]): FeatureQuality {
  let missing = 0;
  let outOfRange = 0;
  let longest = 0;
  let stuck: number | null = null;
  let run = 0;
  let prev = Number.NaN;
  for (const v of values) {
    if (Number.isNaN(v)) {
      missing++;
      run = 0;
      prev = Number.NaN;
      continue;
    }
    if (v < range[0] || v > range[1]) outOfRange++;
    run = v === prev ? run + 1 : 1;
    prev = v;
    if (kind === 'numerical' && run > longest) {
      longest = run;
      stuck = v;
    }
  }
  return {
    rows: values.length,
    missing,
    missing_fraction: values.length ? missing / values.length : 0,
    out_of_range: outOfRange,
    longest_constant_run: longest,
    stuck_value: kind === 'numerical' ? stuck : null,
  };
}

/** Equal-width bins over both samples (numerical) or one bar per category, as shares. */
export function histogramOf(kind: FeatureKind, ref: readonly number[], cur: readonly number[], bins: number): FeatureDrift['histogram'] {
  if (kind === 'categorical') {
    const c = categoryShares(ref, cur, 0);
    return { labels: c.categories.map(String), reference: c.reference, current: c.current };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...ref, ...cur]) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const width = (hi - lo) / bins || 1;
  const shares = (xs: readonly number[]): number[] => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of xs) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    return counts.map((c) => c / xs.length);
  };
  const fmt = (x: number): string => Number(x.toPrecision(4)).toString();
  return {
    labels: Array.from({ length: bins }, (_, i) => fmt(lo + i * width)),
    reference: shares(ref),
    current: shares(cur),
  };
}

/** Every statistic that applies to `kind`, with its verdict; details merged for the report. */
function runStatistics(kind: FeatureKind, ref: readonly number[], cur: readonly number[], p: DriftParams) {
  const statistics: Record<string, StatisticVerdict> = {};
  const details: Record<string, number | string | null> = {};
  for (const stat of statisticsFor(kind)) {
    const r = stat.compute(ref, cur, { kind, psiBins: p.psiBins, psiEpsilon: p.psiEpsilon });
    const threshold = p.thresholds[stat.thresholdParam]!;
    statistics[stat.id] = { score: r.score, threshold, drifted: isDrift(stat, r.score, threshold) };
    Object.assign(details, r.details);
  }
  return { statistics, details };
}

const detail = <T>(details: Record<string, unknown>, key: string): T | null => (key in details ? (details[key] as T) : null);

export function analyseFeature(
  name: FeatureName, kind: FeatureKind, reference: Dataset, current: Dataset, p: DriftParams, q: QualityParams,
): FeatureDrift {
  const ref = presentValues(reference, name);
  const cur = presentValues(current, name);
  const method = resolveMethod(kind, rowCount(reference), p);
  const chosen: DriftStatistic | undefined = driftStatistic(method);
  const { statistics, details } = runStatistics(kind, ref, cur, p);
  const verdict = statistics[method];
  if (!chosen || !verdict) throw new Error(`method ${method} does not apply to ${kind} feature '${name}'`);
  const isPValue = chosen.scale === 'p-value';
  const op = isPValue ? (verdict.drifted ? '≤' : '>') : verdict.drifted ? '≥' : '<';
  return {
    kind,
    method,
    score: verdict.score,
    threshold: verdict.threshold,
    comparison: isPValue ? '<=' : '>=',
    drifted: verdict.drifted,
    reason: `${chosen.label} ${formatNumber(verdict.score)} ${op} ${verdict.threshold}`,
    reference_mean: mean(ref),
    current_mean: mean(cur),
    reference_std: std(ref),
    current_std: std(cur),
    psi: statistics['psi']?.score ?? Number.NaN,
    js_distance: statistics['jensenshannon']?.score ?? Number.NaN,
    ks_statistic: detail<number>(details, 'ks_statistic'),
    ks_p_value: detail<number>(details, 'ks_p_value'),
    ks_method: detail<'exact' | 'asymp'>(details, 'ks_method'),
    wasserstein_normed: detail<number>(details, 'wasserstein_normed'),
    z_score: detail<number>(details, 'z_score'),
    chisquare_statistic: detail<number>(details, 'chisquare_statistic'),
    chisquare_p_value: detail<number>(details, 'chisquare_p_value'),
    chisquare_df: detail<number>(details, 'chisquare_df'),
    quality: {
      reference: featureQuality(reference.features[name], kind, q.ranges[name]),
      current: featureQuality(current.features[name], kind, q.ranges[name]),
    },
    statistics,
    histogram: histogramOf(kind, ref, cur, p.histogramBins),
  };
}

function qualityIssues(name: string, which: string, qf: FeatureQuality, q: QualityParams): string[] {
  const out: string[] = [];
  if (qf.missing > 0) out.push(`${name}: ${qf.missing} missing readings (${(qf.missing_fraction * 100).toFixed(1)}%) in ${which}`);
  if (qf.out_of_range > 0) out.push(`${name}: ${qf.out_of_range} readings outside [${q.ranges[name as FeatureName].join(', ')}] in ${which}`);
  if (qf.longest_constant_run > q.maxConstantRun) {
    out.push(`${name}: stuck at ${qf.stuck_value} for ${qf.longest_constant_run} consecutive readings in ${which}`);
  }
  return out;
}

export interface ChampionScores {
  modelId: string;
  referenceScores: number[];
  currentScores: number[];
  referenceLabels: number[];
  currentLabels: number[];
  /** Scores of the labelled rows only, aligned with the labels above. */
  referenceLabelledScores: number[];
  currentLabelledScores: number[];
  decisionThreshold: number;
  /** The champion's metrics on its evaluation hold-out (rows it never trained on), when known. */
  holdout?: ClassificationMetrics | null;
}

export interface PerformancePValues {
  accuracy: number;
  f1: number;
  mse: number;
  mae: number;
}

interface PerformanceChanges {
  accuracyDrop: number;
  f1Drop: number;
  mseChange: number;
  maeChange: number;
}

/**
 * Why the champion's performance drifted, if it did. A drop counts when it is large enough to
 * matter (the thresholds) and too large to be the sampling noise of this many labelled rows
 * (p ≤ drift.performance_p_threshold): on a few hundred rows an F1 or MSE moves by more than
 * the thresholds by chance alone. Only growth of the error is drift; a champion doing better is not.
 */
function performanceReasons(
  ref: ClassificationMetrics, cur: ClassificationMetrics, c: PerformanceChanges, p: DriftParams,
): { reasons: string[]; pValues: PerformancePValues } {
  const f1Rows = (m: ClassificationMetrics) => m.true_positives + m.false_positives + m.false_negatives;
  const pValues: PerformancePValues = {
    accuracy: worsePValue({ value: ref.accuracy, rows: ref.rows }, { value: cur.accuracy, rows: cur.rows }, true),
    f1: worsePValue({ value: ref.f1, rows: f1Rows(ref) }, { value: cur.f1, rows: f1Rows(cur) }, true),
    mse: worsePValue({ value: ref.mse, rows: ref.rows }, { value: cur.mse, rows: cur.rows }, false),
    mae: worsePValue({ value: ref.mae, rows: ref.rows }, { value: cur.mae, rows: cur.rows }, false),
  };
  const alpha = p.performancePThreshold;
  const sig = (x: number) => `p ${formatNumber(x)} ≤ ${alpha}`;
  const reasons: string[] = [];
  if (c.accuracyDrop >= p.performanceDropThreshold && pValues.accuracy <= alpha) {
    reasons.push(`champion accuracy fell by ${formatNumber(c.accuracyDrop)} (≥ ${p.performanceDropThreshold}, ${sig(pValues.accuracy)})`);
  }
  if (c.f1Drop >= p.performanceDropThreshold && pValues.f1 <= alpha) {
    reasons.push(`champion F1 fell by ${formatNumber(c.f1Drop)} (≥ ${p.performanceDropThreshold}, ${sig(pValues.f1)})`);
  }
  // Relative growth alone misfires on a tiny error (0.0015 → 0.002 is +35%): the error must also
  // grow by at least drift.error_change_min in absolute terms.
  if (c.mseChange >= p.errorChangeThreshold && cur.mse - ref.mse >= p.errorChangeMin && pValues.mse <= alpha) {
    reasons.push(`champion score MSE grew by ${formatNumber(c.mseChange * 100)}% (≥ ${p.errorChangeThreshold * 100}%, ${sig(pValues.mse)})`);
  }
  if (c.maeChange >= p.errorChangeThreshold && cur.mae - ref.mae >= p.errorChangeMin && pValues.mae <= alpha) {
    reasons.push(`champion score MAE grew by ${formatNumber(c.maeChange * 100)}% (≥ ${p.errorChangeThreshold * 100}%, ${sig(pValues.mae)})`);
  }
  return { reasons, pValues };
}

export function analyseModel(champion: ChampionScores, p: DriftParams): ModelDrift {
  const psi = populationStabilityIndex(champion.referenceScores, champion.currentScores, p.psiBins, p.psiEpsilon).psi;
  // The reference rows are the champion's own training rows, where it scores better than on any
  // new rows: compared with those, every new month looks like a drop. Its hold-out metrics (rows
  // it never saw) are the fair baseline; the in-sample ones only when there are none.
  const ref = champion.holdout ?? (champion.referenceLabels.length
    ? classificationMetrics(champion.referenceLabelledScores, champion.referenceLabels, champion.decisionThreshold) : null);
  const cur = champion.currentLabels.length
    ? classificationMetrics(champion.currentLabelledScores, champion.currentLabels, champion.decisionThreshold) : null;
  const reasons: string[] = [];
  let accuracyDrop: number | null = null;
  let f1Drop: number | null = null;
  let mseChange: number | null = null;
  let maeChange: number | null = null;
  let pValues: PerformancePValues | null = null;
  if (ref && cur) {
    accuracyDrop = ref.accuracy - cur.accuracy;
    f1Drop = ref.f1 - cur.f1;
    mseChange = ref.mse === 0 ? (cur.mse === 0 ? 0 : Infinity) : (cur.mse - ref.mse) / ref.mse;
    maeChange = ref.mae === 0 ? (cur.mae === 0 ? 0 : Infinity) : (cur.mae - ref.mae) / ref.mae;
    const verdict = performanceReasons(ref, cur, { accuracyDrop, f1Drop, mseChange, maeChange }, p);
    reasons.push(...verdict.reasons);
    pValues = verdict.pValues;
  }
  const estimate = estimatePerformance({
    referenceLabelledScores: champion.referenceLabelledScores, referenceLabels: champion.referenceLabels, currentScores: champion.currentScores,
    currentLabelledScores: champion.currentLabelledScores, currentLabels: champion.currentLabels, decisionThreshold: champion.decisionThreshold,
  });
  return {
    estimate,
    estimated_performance_drop: ref && estimate.estimated ? ref.accuracy - estimate.estimated.accuracy : null,
    champion_model_id: champion.modelId,
    prediction: { psi, threshold: p.predictionPsiThreshold, drifted: psi >= p.predictionPsiThreshold },
    performance: {
      reference_source: champion.holdout ? 'holdout' : ref ? 'reference rows' : null,
      reference: ref, current: cur, accuracy_drop: accuracyDrop, f1_drop: f1Drop, mse_change: mseChange, mae_change: maeChange,
      p_values: pValues, drifted: reasons.length > 0, reasons,
    },
  };
}

function driftedBy(features: Record<string, FeatureDrift>): Record<string, number> {
  const out = Object.fromEntries(driftStatistics().map((st) => [st.id, 0]));
  for (const f of Object.values(features)) for (const [id, v] of Object.entries(f.statistics)) if (v.drifted) out[id]!++;
  return out;
}

function stuckInCurrent(features: Record<string, FeatureDrift>, q: QualityParams): boolean {
  return Object.values(features).some((f) => f.quality.current.longest_constant_run > q.maxConstantRun);
}

/** Features whose chosen test drifts on the current batch's labelled rows alone (the rows a retrain learns from). */
export function labelledRowsDrift(reference: Dataset, current: Dataset, p: DriftParams): string[] {
  const labelled = selectRows(current, labelledIndices(current));
  if (rowCount(labelled) === 0) return [];
  const out: string[] = [];
  for (const f of FEATURES) {
    const method = resolveMethod(f.kind, rowCount(reference), p);
    const stat = driftStatistic(method);
    if (!stat) throw new Error(`method ${method} does not apply to ${f.kind} feature '${f.name}'`);
    const r = stat.compute(presentValues(reference, f.name), presentValues(labelled, f.name), { kind: f.kind, psiBins: p.psiBins, psiEpsilon: p.psiEpsilon });
    if (isDrift(stat, r.score, p.thresholds[stat.thresholdParam]!)) out.push(f.name);
  }
  return out;
}

/** What a retrain opened by dataset drift alone would learn from: when the batch drifts but its
 *  labelled rows do not, the change is in rows without labels, and a challenger trained now
 *  would learn the old relation again (it cannot beat the champion); it waits for their labels. */
interface LabelledEvidence {
  /** Dataset drift is the only open trigger (no performance drift, volume trigger or missing champion). */
  driftAlone: boolean;
  batchDrifted: number;
  labelledDrifted: string[];
}

/** What blocks retraining: too few rows for a decision, or too few labels from the drifted period. */
function retrainBlocker(enough: boolean, rows: number, labelled: number, p: DriftParams, evidence?: LabelledEvidence): string | null {
  if (!enough) return `not enough data: ${rows} of ${p.minRows} rows`;
  if (labelled < p.minLabelledRows) return `labels: ${labelled} of ${p.minLabelledRows} labelled rows from the drifted period`;
  if (evidence?.driftAlone && evidence.labelledDrifted.length / FEATURES.length < p.driftShare) {
    return `labels: the drift is in rows without labels (${evidence.batchDrifted} of ${FEATURES.length} features drift in the batch, ${evidence.labelledDrifted.length} in its labelled rows)`;
  }
  return null;
}

export function analyseDrift(
  reference: Dataset, current: Dataset, p: DriftParams, q: QualityParams, champion: ChampionScores | null,
  thresholds: Record<string, unknown>, facts: BatchFacts = { quarantinedRows: 0, labelledRowsInPeriod: Number.NaN, newRows: Number.NaN },
): DriftReport {
  const features: Record<string, FeatureDrift> = {};
  const issues: string[] = [];
  for (const f of FEATURES) {
    const fd = analyseFeature(f.name, f.kind, reference, current, p, q);
    features[f.name] = fd;
    issues.push(...qualityIssues(f.name, 'reference', fd.quality.reference, q), ...qualityIssues(f.name, 'current', fd.quality.current, q));
  }
  if (facts.quarantinedRows > 0) issues.push(`${facts.quarantinedRows} current rows quarantined by ingest (a reading out of range or not finite)`);
  const rows = rowCount(current);
  const enough = rows >= p.minRows;
  // Below min_rows no verdict is drawn: every drift flag stays false (no decision).
  const drifted = enough ? Object.entries(features).filter(([, fd]) => fd.drifted).map(([n]) => n) : [];
  const share = drifted.length / FEATURES.length;
  const datasetDrift = enough && share >= p.driftShare;
  const model = champion ? analyseModel(champion, p) : null;
  const newRows = Number.isNaN(facts.newRows) ? rows : facts.newRows;
  const newDataFraction = newRows / rowCount(reference);
  const labelled = Number.isNaN(facts.labelledRowsInPeriod) ? labelledIndices(current).length : facts.labelledRowsInPeriod;
  const performanceDrift = enough && (model?.performance.drifted ?? false);
  const reasons = verdictReasons({ datasetDrift, drifted, share, newRows, newDataFraction, champion, model, enough, rows }, p);
  const driftAlone = champion !== null && datasetDrift && !performanceDrift && newDataFraction < p.newDataFractionTrigger;
  const unlabelledRows = rows - labelledIndices(current).length;
  const evidence = driftAlone && unlabelledRows > 0
    ? { driftAlone, batchDrifted: drifted.length, labelledDrifted: labelledRowsDrift(reference, current, p) } : undefined;
  const waitsFor = retrainBlocker(enough, rows, labelled, p, evidence);
  return {
    decision: !enough ? `not enough data: ${rows} of ${p.minRows} rows` : datasetDrift || performanceDrift ? 'drift' : 'no drift',
    enough_data: enough,
    dataset_drift: datasetDrift,
    drift_share: share,
    n_features: FEATURES.length,
    n_drifted_features: drifted.length,
    drifted_features: drifted,
    new_data_fraction: newDataFraction,
    champion_exists: champion !== null,
    prediction_drift: enough && (model?.prediction.drifted ?? false),
    performance_drift: performanceDrift,
    data_quality_issues: issues.length,
    data_quality_alert: facts.quarantinedRows > 0 || stuckInCurrent(features, q),
    quarantined_rows: facts.quarantinedRows,
    labelled_rows: labelled,
    labels_ready: labelled >= p.minLabelledRows,
    retrain_waits_for: waitsFor,
    estimated_performance_drop: model?.estimated_performance_drop ?? null,
    drifted_by: driftedBy(features),
    retrain_recommended: champion === null || (waitsFor === null && (datasetDrift || newDataFraction >= p.newDataFractionTrigger || performanceDrift)),
    reasons: reasons.length ? reasons : ['no drift, no new-data trigger, champion in place: nothing to retrain'],
    reference_rows: rowCount(reference),
    current_rows: rows,
    thresholds,
    features,
    model,
    quality_issues: issues,
  };
}

interface VerdictFacts {
  datasetDrift: boolean;
  drifted: string[];
  share: number;
  newRows: number;
  newDataFraction: number;
  champion: ChampionScores | null;
  model: ModelDrift | null;
  enough: boolean;
  rows: number;
}

function verdictReasons(v: VerdictFacts, p: DriftParams): string[] {
  const reasons: string[] = [];
  if (!v.enough) reasons.push(`not enough data: ${v.rows} current rows (drift.min_rows ${p.minRows}); no drift decision`);
  if (v.datasetDrift) reasons.push(`dataset drift: ${v.drifted.length} of ${FEATURES.length} features drifted (share ${formatNumber(v.share)} ≥ ${p.driftShare}): ${v.drifted.join(', ')}`);
  if (v.newDataFraction >= p.newDataFractionTrigger) reasons.push(`new data: ${v.newRows} new rows = ${formatNumber(v.newDataFraction)} × reference (≥ ${p.newDataFractionTrigger})`);
  if (!v.champion) reasons.push(`no champion model yet (${CHAMPION_MODEL} does not exist)`);
  if (v.enough && v.model?.prediction.drifted) reasons.push(`prediction drift: PSI of champion scores ${formatNumber(v.model.prediction.psi)} ≥ ${p.predictionPsiThreshold}`);
  if (v.enough && v.model?.performance.drifted) reasons.push(...v.model.performance.reasons.map((r) => `performance drift: ${r}`));
  return reasons;
}
