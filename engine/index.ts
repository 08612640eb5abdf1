// The programmatic API of dvc-ts: everything the CLI does, as typed functions.
export type * from './types.js';
export { UserError, UserErrors, isUserError } from './errors.js';
export { loadPipeline, findPipelineFile } from './pipeline/load.js';
export { buildGraph, type StageGraph } from './graph/dag.js';
export { selectStages } from './graph/select.js';
export { staleReasons, describeReason, type StaleReason } from './stage/staleness.js';
export { readLock, parseLock, serializeLock, LOCK_FILE } from './lock/lockfile.js';
export { Repo } from './repo/repo.js';
export { runRepro, type RunReproOptions } from './api/repro.js';
export { runStatus, type StatusReport } from './api/status.js';
export { runCheckout, type CheckoutSummary } from './api/checkout.js';
export { initRepo } from './api/init.js';
export type { ReproSummary, StageResult } from './run/repro.js';
export { decide, type Outcome, type OutcomeKind, type DecideInput, type DecideReaders, type Observation } from './stage/decide.js';
export { describeOutcome } from './stage/outcome.js';
export type { RunReporter, StageStatus } from './run/output.js';
export { PlainReporter } from './run/output.js';
export { VERSION } from './version.js';

// Short names for the two functions most scripts want.
export { runStatus as status } from './api/status.js';
export { runRepro as repro } from './api/repro.js';
export { plotsShow, plotsDiff, writePlotsPage, resolveOutputPath, type PlotsReport, type PlotsShowOptions, type PlotsDiffOptions } from './api/plots.js';
export { metricsShow, metricsDiff, formatMetricsShow, formatDiff, type MetricsShowReport, type DiffReport, type DiffOptions } from './api/metrics.js';
export { paramsDiff } from './api/params.js';
export { runGc, formatGc, type GcOptions, type GcReport } from './api/gc.js';
export { runCommit, type RunCommitOptions } from './api/commit.js';
export { expRun, expShow, expDiff, expApply, expBranch, expRemove, type ExpRunOptions, type ExpRunResult, type ExpShowReport, type ExpShowOptions, type ExpDiffReport } from './api/exp.js';
// Tracked data and remotes (issue 11).
export { runAdd, type AddedPath } from './api/add.js';
export { runPush, formatSyncReport, type SyncOptions, type SyncReport } from './api/push.js';
export { runFetch } from './api/fetch.js';
export { runPull, type PullReport } from './api/pull.js';
export { runCloudStatus, formatCloudStatus, type CloudStatus } from './api/cloud-status.js';
export { remoteAdd, remoteModify, remoteRemove, remoteDefault, remoteList } from './api/remote.js';
