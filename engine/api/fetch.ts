// `dvc-ts fetch`: see engine/remote/sync.ts.
export { fetch as runFetch, formatSyncReport, type SyncOptions, type SyncReport } from '../remote/sync.js';
