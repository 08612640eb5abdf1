// Stage `train`: fit the challenger on the reference window plus the current batch's labelled
// rows (minus the newest rows held out for `evaluate`), choosing L2 strength and learning rate
// on a seeded validation split, then refitting on all training rows.

import { formatCsv } from './lib/csv.js';
import { checkUsable, concatDatasets, holdoutSplit, labelledIndices, parseDataset, rowCount, selectRows } from './lib/dataset.js';
import { readTextInput, runStage, sha256, writeJson, writeOutput } from './lib/io.js';
import { trainHeadline } from './lib/headline.js';
import { CHALLENGER_MODEL, CURRENT_CSV, REFERENCE_CSV, TRAIN_DETAILS, TRAIN_METRICS, TRAIN_SEARCH_PLOT } from './lib/layout.js';
import { classificationMetrics } from './lib/metrics.js';
import { fitOccupancyModel, scoreDataset } from './lib/model.js';
import { maxMissingFractionParam, readParams, seedParam, splitParams, trainParams, windowParams } from './lib/params.js';
import { deriveSeed, mulberry32, shuffledIndices } from './lib/prng.js';
import { formatNumber } from './lib/format.js';

async function main(): Promise<void> {
  const raw = await readParams();
  const seed = seedParam(raw);
  const data = windowParams(raw);
  const maxMissing = maxMissingFractionParam(raw);
  const split = splitParams(raw);
  const hp = trainParams(raw);
  const referenceText = await readTextInput(REFERENCE_CSV);
  const currentText = await readTextInput(CURRENT_CSV);
  // The reference may be the champion's training window, whose logged requests can lack labels.
  const referenceAll = parseDataset(referenceText, { file: REFERENCE_CSV });
  const reference = selectRows(referenceAll, labelledIndices(referenceAll));
  const current = parseDataset(currentText, { file: CURRENT_CSV });
  checkUsable(referenceAll, REFERENCE_CSV, maxMissing);
  checkUsable(reference, `the labelled rows of ${REFERENCE_CSV}`, maxMissing);
  checkUsable(current, CURRENT_CSV, maxMissing);

  const { train: currentTrain, holdout } = holdoutSplit(current, split.holdoutFraction);
  const pool = concatDatasets(reference, selectRows(current, currentTrain));
  const order = shuffledIndices(rowCount(pool), mulberry32(deriveSeed(seed, 'validation-split')));
  const nValidation = Math.round(rowCount(pool) * split.validationFraction);
  const validation = selectRows(pool, order.slice(0, nValidation));
  const fitPart = selectRows(pool, order.slice(nValidation));
  const validationLabels = validation.occupied;
  const training = {
    reference_months: data.referenceMonths,
    current_month: data.currentMonth,
    rows: rowCount(pool),
    positives: pool.occupied.filter((y) => y === 1).length,
    data_sha256: { [REFERENCE_CSV]: sha256(referenceText), [CURRENT_CSV]: sha256(currentText) },
  };

  const search: { l2: number; learning_rate: number; validation_log_loss: number; validation_f1: number; validation_accuracy: number }[] = [];
  let best: (typeof search)[number] | undefined;
  for (const l2 of hp.l2) {
    for (const learningRate of hp.learningRate) {
      const model = fitOccupancyModel({ data: fitPart, hyperparameters: { l2, learningRate, epochs: hp.epochs }, decisionThreshold: hp.decisionThreshold, training });
      const m = classificationMetrics(scoreDataset(model, validation), validationLabels, hp.decisionThreshold);
      const row = { l2, learning_rate: learningRate, validation_log_loss: m.log_loss, validation_f1: m.f1, validation_accuracy: m.accuracy };
      search.push(row);
      // Strictly better only: on a tie the earlier (simpler, listed first) setting stays.
      if (!best || row.validation_log_loss < best.validation_log_loss) best = row;
    }
  }
  const chosen = best!;
  const challenger = fitOccupancyModel({
    data: pool,
    hyperparameters: { l2: chosen.l2, learningRate: chosen.learning_rate, epochs: hp.epochs },
    decisionThreshold: hp.decisionThreshold,
    training,
  });
  const poolLabelled = labelledIndices(pool);
  const trainMetrics = classificationMetrics(
    scoreDataset(challenger, selectRows(pool, poolLabelled)), poolLabelled.map((i) => pool.occupied[i]!), hp.decisionThreshold,
  );
  await writeJson(CHALLENGER_MODEL, challenger);
  const record = {
    model_id: challenger.model_id,
    chosen: { l2: chosen.l2, learning_rate: chosen.learning_rate, epochs: hp.epochs, validation_log_loss: chosen.validation_log_loss },
    rows: { training: rowCount(pool), fit: rowCount(fitPart), validation: rowCount(validation), reference: rowCount(reference), current_used: currentTrain.length, current_held_out: holdout.length },
    training_metrics: trainMetrics,
    search,
    coefficients: Object.fromEntries(challenger.inputs.map((name, k) => [name, challenger.weights[k]])),
  };
  await writeJson(TRAIN_DETAILS, record);
  await writeJson(TRAIN_METRICS, trainHeadline(record));
  // Wide: one row per L2 value, one column per learning rate, so the chart draws one line per
  // learning rate (a long table would join both rates into one zig-zag line).
  const column = (rate: number) => `learning_rate_${rate}`;
  await writeOutput(TRAIN_SEARCH_PLOT, formatCsv(
    ['l2', ...hp.learningRate.map(column)],
    hp.l2.map((l2) => [String(l2), ...hp.learningRate.map((rate) => {
      const row = search.find((s) => s.l2 === l2 && s.learning_rate === rate);
      return row ? formatNumber(row.validation_log_loss) : '';
    })]),
  ));
}

runStage('train', main);
