import { describeReason, type StaleReason } from '../stage/staleness.js';
import { describeDecision } from '../gate/index.js';
import { checkMissingDeps } from '../pipeline/check-deps.js';
import { Repo } from '../repo/repo.js';
import { computeStatus, statusReports, type StageStatusReport } from '../run/status.js';
import type { ReproSummary } from '../run/repro.js';
import { UP_TO_DATE_LINE, upToDate } from '../stage/outcome.js';
import { findPipelineFile } from '../pipeline/load.js';
import { runTrackedStatus } from './tracked-status.js';

export interface StatusReport {
  /** True when nothing would run or be restored. Gated stages count as settled. */
  upToDate: boolean;
  stages: (Omit<StageStatusReport, 'reasons'> & { reasons: (StaleReason & { text: string })[] })[];
}

export async function runStatus(root: string, options: { targets?: string[]; file?: string } = {}): Promise<StatusReport> {
  const repo = await Repo.open(root, { file: options.file });
  try {
    await checkMissingDeps(root, repo.pipeline);
    return statusReportOf(await computeStatus(repo, options.targets ?? []));
  } finally {
    await repo.close();
  }
}

/** The status report of stages already checked: by `computeStatus`, or by a dry run that kept going. */
export function statusReportOf(checked: StageStatusReport[] | Pick<ReproSummary, 'results'>): StatusReport {
  const reports = Array.isArray(checked) ? checked : statusReports(checked);
  return {
    upToDate: upToDate(reports.map((r) => r.outcome)),
    stages: reports.map((r) => ({ ...r, reasons: r.reasons.map((x) => ({ ...x, text: describeReason(x) })) })),
  };
}

/** Pipeline files below a root that has none (pipeline/collect.ts). */
async function hasSubPipelines(root: string): Promise<boolean> {
  const { collectsPipelines, findPipelineFiles } = await import('../pipeline/collect.js');
  return collectsPipelines(root) && (await findPipelineFiles(root)).length > 0;
}

/** Human text: only the stages that need attention, each reason on its own line. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  for (const s of report.stages) {
    if (s.state === 'up-to-date' || s.state === 'frozen') continue;
    lines.push(`${s.name}: ${s.summary}`);
    if (s.state === 'gated') continue;
    for (const r of s.reasons) lines.push(`    ${r.text}`);
    if (s.gateUndecided) lines.push(`    gate: ${s.gateUndecided}`);
    else if (s.gate) lines.push(`    gate open (${describeDecision(s.gate.values)})`);
  }
  if (lines.length === 0) return UP_TO_DATE_LINE + '\n';
  return lines.join('\n') + '\n';
}

/**
 * `dvc-ts status` (without --cloud) as text and exit code: the stages, then the data `.dvc` files
 * track. The CLI prints it; the warm watcher keeps it to answer a later `status` the same way.
 */
export async function statusOutput(
  root: string,
  options: { targets?: string[]; file?: string; json?: boolean; quiet?: boolean } = {},
  /** The stages' status when the caller has checked them already (the warm watcher's one dry run). */
  checked?: StatusReport,
): Promise<{ stdout: string; exitCode: number; upToDate: boolean }> {
  const { targets = [], file } = options;
  const hasPipeline = checked !== undefined || file !== undefined || (await findPipelineFile(root).then(() => true, () => false)) || (await hasSubPipelines(root));
  // The pipeline's own errors come first; a repository with only `.dvc` files has no stages.
  const stages = checked ?? (hasPipeline ? await runStatus(root, { targets, file }) : undefined);
  const tracked = await runTrackedStatus(root, targets);
  const report = stages ?? (tracked.entries.length === 0 ? await runStatus(root, { targets, file }) : { upToDate: true, stages: [] });
  const upToDate = report.upToDate && tracked.upToDate;
  let stdout = '';
  if (options.json) stdout = JSON.stringify({ ...report, tracked: tracked.entries }, null, 2) + '\n';
  else if (!options.quiet) {
    const stagesText = formatStatus(report);
    const trackedText = tracked.lines.map((l) => l + '\n').join('');
    stdout = tracked.lines.length === 0 ? stagesText : report.upToDate ? trackedText : stagesText + trackedText;
  }
  return { stdout, exitCode: options.quiet && !upToDate ? 1 : 0, upToDate };
}
