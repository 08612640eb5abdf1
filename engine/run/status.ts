import type { StaleReason } from '../stage/staleness.js';
import type { GateDecision } from '../types.js';
import type { OutcomeKind } from '../stage/decide.js';
import { describeOutcome } from '../stage/outcome.js';
import type { RunReporter } from './output.js';
import type { Repo } from '../repo/repo.js';
import { reproduce, type ReproSummary, type StageResult } from './repro.js';

/** Stages looked at at once: hashing, not commands; all at once would queue every file together. */
const STAGES_AT_ONCE = 4;

export type StageState = 'up-to-date' | 'stale' | 'restorable' | 'gated' | 'frozen' | 'pending';

export interface StageStatusReport {
  name: string;
  state: StageState;
  /** The decision `repro` would take (engine/stage/decide.ts); 'not-run' also when the check was stopped. */
  outcome: OutcomeKind;
  /** The outcome in words, as `repro --dry` says it: `may run: depends on what train writes`. */
  summary: string;
  reasons: StaleReason[];
  /** Stale stages above this one whose outputs decide what it does ('pending'). */
  staleUpstream: string[];
  /** For gated stages: the decision from the gate files as they are now. */
  gate?: GateDecision;
  /** The gate could not be decided yet (its file is about to be rebuilt). */
  gateUndecided?: string;
  /** Why the stage cannot run ('fail'), or which upstream stage would fail ('not-run'). */
  error?: string;
}

const silent: RunReporter = {
  begin() {},
  stageStarted() {},
  stageOutput() {},
  stageDone() {},
  info() {},
  end() {},
};

/**
 * What `repro` would find for every selected stage, from the workspace as it is now: the same
 * decisions as `repro --dry`, taken by the same code. Read-only: no lock, no cache, no repository
 * lock is touched (the state cache only learns hashes).
 */
export async function computeStatus(repo: Repo, targets: string[] = []): Promise<StageStatusReport[]> {
  return statusReports(await reproduce(repo, { targets, dry: true, keepGoing: true, jobs: STAGES_AT_ONCE, reporter: silent }));
}

/** The status of each stage from a dry run that kept going (`keepGoing`): one report per result. */
export function statusReports(summary: Pick<ReproSummary, 'results'>): StageStatusReport[] {
  return summary.results.map(reportOf);
}

function reportOf(r: StageResult): StageStatusReport {
  const o = r.outcome;
  const summary = o ? describeOutcome(o) : `not run: ${r.error ?? 'stopped'}`;
  const report: StageStatusReport = { name: r.name, state: 'stale', outcome: o?.kind ?? 'not-run', summary, reasons: r.reasons, staleUpstream: [] };
  if (r.gate) report.gate = r.gate;
  if (r.error !== undefined) report.error = r.error;
  if (!o) return report;
  switch (o.kind) {
    case 'up-to-date':
    case 'frozen':
      report.state = o.kind;
      break;
    case 'restore':
      report.state = 'restorable';
      break;
    case 'gated':
    case 'blocked':
      report.state = 'gated';
      break;
    case 'pending':
      report.state = 'pending';
      report.staleUpstream = o.upstream;
      if (o.gateOnly) report.gateUndecided = `decided after ${o.upstream.join(', ')} run${o.upstream.length > 1 ? '' : 's'}`;
      break;
    default:
      break;
  }
  return report;
}
