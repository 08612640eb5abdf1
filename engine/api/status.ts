import { describeReason, type StaleReason } from '../graph/staleness.js';
import { describeDecision } from '../gate/index.js';
import { checkMissingDeps } from '../pipeline/check-deps.js';
import { Repo } from '../run/repo.js';
import { computeStatus, type StageStatusReport } from '../run/status.js';

export interface StatusReport {
  /** True when nothing would run or be restored. Gated stages count as settled. */
  upToDate: boolean;
  stages: (Omit<StageStatusReport, 'reasons'> & { reasons: (StaleReason & { text: string })[] })[];
}

export async function runStatus(root: string, options: { targets?: string[]; file?: string } = {}): Promise<StatusReport> {
  const repo = await Repo.open(root, { file: options.file });
  try {
    await checkMissingDeps(root, repo.pipeline);
    const reports = await computeStatus(repo, options.targets ?? []);
    return {
      upToDate: reports.every((r) => r.state === 'up-to-date' || r.state === 'frozen' || r.state === 'gated'),
      stages: reports.map((r) => ({ ...r, reasons: r.reasons.map((x) => ({ ...x, text: describeReason(x) })) })),
    };
  } finally {
    await repo.close();
  }
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
  if (lines.length === 0) return 'Data and pipelines are up to date.\n';
  return lines.join('\n') + '\n';
}
