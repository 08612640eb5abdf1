import { isUserError } from '../errors.js';
import { decideGate } from '../gate/index.js';
import { selectStages } from '../graph/select.js';
import { onlyRestorable, type StaleReason } from '../graph/staleness.js';
import type { GateDecision } from '../types.js';
import type { Repo } from './repo.js';
import { createLimiter } from '../hash/limit.js';

const STAGES_AT_ONCE = 4;

export type StageState = 'up-to-date' | 'stale' | 'restorable' | 'gated' | 'frozen';

export interface StageStatusReport {
  name: string;
  state: StageState;
  reasons: StaleReason[];
  /** Stale stages above this one: it may run once they have. */
  staleUpstream: string[];
  /** For gated stages: the decision from the gate files as they are now. */
  gate?: GateDecision;
  /** The gate could not be decided yet (its file is missing or is about to be rebuilt). */
  gateUndecided?: string;
}

/**
 * What `repro` would find for every selected stage, from the workspace as it is now. Read-only:
 * no lock, no cache, no repository lock is touched (the state cache only learns hashes).
 */
export async function computeStatus(repo: Repo, targets: string[] = []): Promise<StageStatusReport[]> {
  const names = selectStages(repo.graph, { targets });
  // A few stages at a time: all at once would queue every file of every stage together
  // (10,000 pending stats on a wide pipeline), which costs more in memory and GC than it saves.
  const limit = createLimiter(STAGES_AT_ONCE);
  const reports = await Promise.all(
    names.map((name) => limit(async (): Promise<StageStatusReport> => {
      const stage = repo.graph.byName.get(name)!;
      if (stage.frozen) return { name, state: 'frozen', reasons: [], staleUpstream: [] };
      const observed = await repo.observe(stage);
      const reasons = repo.staleReasons(stage, repo.lock.stages[name], observed);
      const state: StageState = reasons.length === 0 ? 'up-to-date' : onlyRestorable(reasons) ? 'restorable' : 'stale';
      return { name, state, reasons, staleUpstream: [] };
    })),
  );
  const byName = new Map(reports.map((r) => [r.name, r]));
  // Reports are in topological order, so each upstream's state (gate included) is final when a
  // stage is looked at. Gates are decided for stale stages only, and only when their files are
  // not about to be rebuilt; a gate fed by a gated stage is closed with it, as in `repro`.
  const willChange = (r: StageStatusReport | undefined) =>
    r !== undefined && (r.state === 'stale' || (r.state !== 'gated' && r.staleUpstream.length > 0));
  for (const r of reports) {
    r.staleUpstream = repo.graph.upstream.get(r.name)!.filter((u) => willChange(byName.get(u)));
    const stage = repo.graph.byName.get(r.name)!;
    if (r.state !== 'stale' || !stage.when) continue;
    const feeders = (repo.graph.gateUpstream.get(r.name) ?? []).map((u) => byName.get(u));
    const closed = feeders.find((f) => f?.state === 'gated');
    if (closed) {
      r.state = 'gated';
      r.gate = { open: false, expr: stage.when.expr, values: {}, upstream: closed.name };
      continue;
    }
    const pending = feeders.filter(willChange).map((f) => f!.name);
    if (pending.length > 0) {
      r.gateUndecided = `decided after ${pending.join(', ')} run${pending.length > 1 ? '' : 's'}`;
      continue;
    }
    try {
      const gate = await decideGate(repo.root, r.name, stage.when);
      r.gate = gate;
      if (!gate.open) r.state = 'gated';
    } catch (e) {
      if (!isUserError(e)) throw e;
      r.gateUndecided = e.message;
    }
  }
  return reports;
}
