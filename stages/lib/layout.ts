// Where the example's stages read and write, relative to the repository root (the current
// directory when the engine runs a stage). pipeline.yaml declares the same paths.

export const REFERENCE_CSV = 'data/reference.csv';
export const CURRENT_CSV = 'data/current.csv';
export const INGEST_METRICS = 'metrics/ingest.json';
// metrics/*.json hold the headline numbers a person compares across commits (and the gates
// read); reports/*.json hold everything the stage found (per-feature statistics, histograms,
// the search grid, confusion counts), for the HTML report, the model card and `package`.
export const DRIFT_METRICS = 'metrics/drift.json';
export const DRIFT_DETAILS = 'reports/drift.json';
export const DRIFT_REPORT = 'reports/drift.html';
export const DRIFT_PLOT = 'plots/drift_features.csv';
export const CHALLENGER_MODEL = 'models/challenger.json';
export const TRAIN_METRICS = 'metrics/train.json';
export const TRAIN_DETAILS = 'reports/train.json';
export const TRAIN_SEARCH_PLOT = 'plots/train_search.csv';
export const EVALUATE_METRICS = 'metrics/evaluate.json';
export const EVALUATE_DETAILS = 'reports/evaluate.json';
export const ROC_PLOT = 'plots/roc.csv';
/** The deployable bundle, in a folder of its own (not the build output). */
export const BUNDLE_DIR = 'bundle';
/** The champion: the model the last `package` run shipped (a `previous: true` dependency). */
export const CHAMPION_MODEL = 'bundle/model.json';
/** The champion's training window (the batch it was trained on): the next drift check's reference. */
export const CHAMPION_REFERENCE = 'bundle/reference.csv';
/** Open and recently resolved incidents (versioned: committed with the metrics). */
export const INCIDENTS_FILE = 'incidents/state.json';
