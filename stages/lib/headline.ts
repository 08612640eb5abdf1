// The headline numbers of each stage: what metrics/*.json hold, so that `metrics diff` between two
// months reads on one screen and the gates find their fields. Everything else a stage found goes to
// reports/<stage>.json (see layout.ts).

import type { DriftReport } from './drift-analysis.js';
import type { ClassificationMetrics } from './metrics.js';
import type { ModelResult } from './promotion.js';

/** Drift verdicts (the gates read these) and one score per feature (its test's statistic); the
 *  list of drifted features, every statistic's verdict and `drifted_by` (features drifted per
 *  registered statistic) are in reports/drift.json, which a gate can read too. */
export function driftHeadline(report: DriftReport): Record<string, unknown> {
  return {
    decision: report.decision,
    enough_data: report.enough_data,
    dataset_drift: report.dataset_drift,
    drift_share: report.drift_share,
    n_drifted_features: report.n_drifted_features,
    new_data_fraction: report.new_data_fraction,
    champion_exists: report.champion_exists,
    prediction_drift: report.prediction_drift,
    performance_drift: report.performance_drift,
    data_quality_issues: report.data_quality_issues,
    data_quality_alert: report.data_quality_alert,
    quarantined_rows: report.quarantined_rows,
    labelled_rows: report.labelled_rows,
    labels_ready: report.labels_ready,
    retrain_waits_for: report.retrain_waits_for,
    estimated_performance_drop: report.estimated_performance_drop,
    retrain_recommended: report.retrain_recommended,
    current_rows: report.current_rows,
    feature_scores: Object.fromEntries(Object.entries(report.features).map(([name, f]) => [name, f.score])),
    champion: report.model
      ? {
        prediction_psi: report.model.prediction.psi, accuracy_drop: report.model.performance.accuracy_drop, f1_drop: report.model.performance.f1_drop,
        estimated_accuracy: report.model.estimate.estimated?.accuracy ?? null,
      }
      : null,
  };
}

function quality(m: ClassificationMetrics): Record<string, number> {
  return { accuracy: m.accuracy, f1: m.f1, roc_auc: m.roc_auc, log_loss: m.log_loss };
}

export interface TrainRecord {
  model_id: string;
  chosen: { l2: number; learning_rate: number; epochs: number; validation_log_loss: number };
  rows: { training: number };
  training_metrics: ClassificationMetrics;
}

/** The chosen hyperparameters and the fit on the training rows. */
export function trainHeadline(record: TrainRecord): Record<string, unknown> {
  return {
    model_id: record.model_id,
    l2: record.chosen.l2,
    learning_rate: record.chosen.learning_rate,
    validation_log_loss: record.chosen.validation_log_loss,
    training_rows: record.rows.training,
    training: { f1: record.training_metrics.f1, roc_auc: record.training_metrics.roc_auc },
  };
}

export interface EvaluateRecord {
  promote: boolean;
  metric: string;
  margin: number;
  difference: number | null;
  champion_exists: boolean;
  challenger: ModelResult;
  champion: ModelResult | null;
}

/** The promotion decision and both models' hold-out quality and energy saved. */
export function evaluateHeadline(record: EvaluateRecord): Record<string, unknown> {
  const side = (r: ModelResult) => ({ ...quality(r.metrics), saved_kwh: r.energy.saved_kwh });
  return {
    promote: record.promote,
    metric: record.metric,
    margin: record.margin,
    difference: record.difference,
    champion_exists: record.champion_exists,
    challenger: side(record.challenger),
    champion: record.champion ? side(record.champion) : null,
  };
}
