import { ObjectStore } from '../cache/store.js';
import { GitHistory } from '../git/history.js';
import { scopeNeedsGit, selectRevisions, type RevisionScope } from '../git/scope.js';
import { Snapshot } from '../git/snapshot.js';
import { diffToJson, type DiffRow } from '../report/compare.js';
import { diffMetrics, diffTable, metricsShowTable, readMetrics, type MetricsShowEntry } from '../report/metrics.js';
import { renderMarkdown, renderText } from '../report/render.js';

export type ReportFormat = 'text' | 'md' | 'json';

export interface MetricsShowReport {
  revisions: MetricsShowEntry[];
}

/**
 * Metrics at each revision of a scope (the workspace when the scope names nothing). Reads git
 * history only; the work tree and the index are never touched.
 */
export async function metricsShow(root: string, scope: RevisionScope & { file?: string } = {}): Promise<MetricsShowReport> {
  const history = await GitHistory.open(root);
  const namesGit = scopeNeedsGit(scope);
  // DVC lists the workspace beside --all-* scopes; --rev alone shows only what was asked for.
  const workspace = scope.workspace ?? (!namesGit || Boolean(scope.allBranches || scope.allTags || scope.allCommits));
  const revisions = await selectRevisions(history, { ...scope, workspace });
  const store = new ObjectStore(root);
  const entries: MetricsShowEntry[] = [];
  for (const rev of revisions) {
    const read = await readMetrics(Snapshot.of(root, history, rev, scope.file), store);
    entries.push({ label: rev.label, commit: rev.commit, ...read });
  }
  return { revisions: entries };
}

export function formatMetricsShow(report: MetricsShowReport, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(report.revisions.map((r) => ({ rev: r.label, commit: r.commit ?? null, metrics: r.values, errors: r.errors })), null, 2) + '\n';
  const table = metricsShowTable(report.revisions);
  if (table.rows.length === 0) return 'No metrics found.\n';
  return format === 'md' ? renderMarkdown(table) : renderText(table);
}

export interface DiffReport {
  /** Labels of the two sides as the user named them (`HEAD`, `workspace`, …). */
  old: string;
  new: string;
  rows: DiffRow[];
}

export interface DiffOptions {
  /** Old side; default HEAD. */
  a?: string;
  /** New side; default the workspace. */
  b?: string;
  /** Unchanged values too. */
  all?: boolean;
  /** The pipeline file (root-relative) when not the root's own. */
  file?: string;
}

export async function openDiffSides(root: string, options: DiffOptions): Promise<[Snapshot, Snapshot]> {
  const history = await GitHistory.open(root);
  return Promise.all([
    Snapshot.forRevision(root, history, options.a ?? 'HEAD', options.file),
    Snapshot.forRevision(root, history, options.b, options.file),
  ]);
}

/** `metrics diff A B`: every metric that differs, with the numeric change. */
export async function metricsDiff(root: string, options: DiffOptions = {}): Promise<DiffReport> {
  const [a, b] = await openDiffSides(root, options);
  const rows = await diffMetrics(a, b, new ObjectStore(root), { all: options.all ?? false });
  return { old: a.label, new: b.label, rows };
}

/** A diff report as text, markdown or JSON (DVC's shape: path → key → {old, new, diff}). */
export function formatDiff(report: DiffReport, format: ReportFormat, keyHeader: string): string {
  if (format === 'json') return JSON.stringify(diffToJson(report.rows), null, 2) + '\n';
  if (report.rows.length === 0) return `No changes between ${report.old} and ${report.new}.\n`;
  const table = diffTable(report.rows, { old: report.old, new: report.new }, keyHeader);
  return format === 'md' ? renderMarkdown(table) : renderText(table);
}
