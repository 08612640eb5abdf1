// `dvc-ts push`: see engine/remote/sync.ts.
export { push as runPush, formatSyncReport, type SyncOptions, type SyncReport } from '../remote/sync.js';
