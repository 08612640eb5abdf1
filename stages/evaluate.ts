// Stage `evaluate`: challenger against champion on the newest labelled rows (the hold-out the
// challenger never saw): classification metrics, the energy estimate, and the promotion verdict.

import { readChampion } from './lib/champion.js';
import { formatCsv } from './lib/csv.js';
import { checkUsable, holdoutSplit, parseDataset, selectRows, type Dataset } from './lib/dataset.js';
import { estimateEnergy } from './lib/energy.js';
import { formatNumber } from './lib/format.js';
import { StageInputError } from './lib/errors.js';
import { readJson, readTextInput, runStage, sha256, writeJson, writeOutput } from './lib/io.js';
import { evaluateHeadline } from './lib/headline.js';
import { CHALLENGER_MODEL, CHAMPION_MODEL, CURRENT_CSV, EVALUATE_DETAILS, EVALUATE_METRICS, ROC_PLOT } from './lib/layout.js';
import { classificationMetrics, rocCurve } from './lib/metrics.js';
import { promotionVerdict, type ModelResult } from './lib/promotion.js';
import { parseModel, scoreDataset, type OccupancyModel } from './lib/model.js';
import {
  energyParams, evaluateParams, holdoutFractionParam, intervalMinutesParam, maxMissingFractionParam, readParams, type EnergyParams,
} from './lib/params.js';

function assess(model: OccupancyModel, holdout: Dataset, intervalHours: number, energy: EnergyParams): { result: ModelResult; scores: number[] } {
  const scores = scoreDataset(model, holdout);
  const predicted = scores.map((s) => (s >= model.decision_threshold ? 1 : 0));
  return {
    scores,
    result: {
      model_id: model.model_id,
      metrics: classificationMetrics(scores, holdout.occupied, model.decision_threshold),
      energy: estimateEnergy(predicted, holdout.occupied, intervalHours, energy),
    },
  };
}

async function main(): Promise<void> {
  const raw = await readParams();
  const intervalMinutes = intervalMinutesParam(raw);
  const maxMissing = maxMissingFractionParam(raw);
  const holdoutFraction = holdoutFractionParam(raw);
  const ev = evaluateParams(raw);
  const energy = energyParams(raw);
  const currentText = await readTextInput(CURRENT_CSV);
  const current = parseDataset(currentText, { file: CURRENT_CSV });
  checkUsable(current, CURRENT_CSV, maxMissing);
  const { holdout: holdoutIdx } = holdoutSplit(current, holdoutFraction);
  if (holdoutIdx.length === 0) throw new StageInputError(`${CURRENT_CSV} has no labelled rows to evaluate on (column 'occupied' is empty)`);
  const holdout = selectRows(current, holdoutIdx);
  const intervalHours = intervalMinutes / 60;

  const challengerModel = parseModel(await readJson(CHALLENGER_MODEL), CHALLENGER_MODEL);
  const championModel = await readChampion();
  const challenger = assess(challengerModel, holdout, intervalHours, energy);
  const champion = championModel ? assess(championModel, holdout, intervalHours, energy) : null;
  const verdict = promotionVerdict(challenger.result, champion?.result ?? null, ev.metric, ev.margin);
  const record = {
    promote: verdict.promote,
    reason: verdict.reason,
    metric: ev.metric,
    margin: ev.margin,
    difference: verdict.difference,
    champion_exists: championModel !== null,
    /** The batch evaluated on (the alert tells an earlier run's evaluation from this run's). */
    current_sha256: sha256(currentText),
    evaluated_on: { file: CURRENT_CSV, rows: holdout.timestamp.length, first: holdout.timestamp[0], last: holdout.timestamp[holdout.timestamp.length - 1] },
    challenger: challenger.result,
    champion: champion?.result ?? null,
    champion_file: championModel ? CHAMPION_MODEL : null,
    /** Carried to `package`, which no longer sees the old champion once it rebuilds the bundle. */
    champion_lineage: championModel?.lineage ?? [],
    champion_training: championModel?.training ?? null,
  };
  await writeJson(EVALUATE_DETAILS, record);
  await writeJson(EVALUATE_METRICS, evaluateHeadline(record));
  const roc = rocCurve(challenger.scores, holdout.occupied);
  await writeOutput(ROC_PLOT, formatCsv(['fpr', 'tpr', 'threshold'], roc.map((p) => [formatNumber(p.fpr), formatNumber(p.tpr), formatNumber(p.threshold)])));
}

runStage('evaluate', main);
