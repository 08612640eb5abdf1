// The one vocabulary of outcomes: how each decision (decide.ts) stands, what `status` says of it,
// and the line a run prints for it. repro, `repro --dry`, status and the warm watcher all read
// it from here, so they cannot word or count an outcome differently.
import { describeDecision } from '../gate/evaluate.js';
import type { Outcome, OutcomeKind } from './decide.js';
import { describeReason } from './staleness.js';

/** What happened to one stage in a run. */
export type StageStatus =
  | 'ran'
  | 'restored'
  | 'run-cache'
  | 'up-to-date'
  | 'frozen'
  | 'gated'
  | 'blocked'
  | 'failed'
  | 'not-run'
  | 'would-run'
  /** Dry run: whether it runs depends on what an upstream stage writes. */
  | 'pending';

/** 'current': nothing to do; 'skipped': a gate keeps it from running; 'to-do': something would happen. */
export type Standing = 'current' | 'skipped' | 'to-do';

type OutcomeOf<K extends OutcomeKind> = Extract<Outcome, { kind: K }>;

interface Phrasing<K extends OutcomeKind> {
  standing: Standing;
  /** What `status` says of the stage: `didn't change`. */
  summary(o: OutcomeOf<K>, dry: boolean): string;
  /** The status and line a run prints when it does not act on the outcome (always, dry). */
  line(name: string, o: OutcomeOf<K>, dry: boolean): [StageStatus, string];
}

const note = (o: Outcome) => o.reasons.map(describeReason).join('; ');
const upstreamWhy = (o: OutcomeOf<'not-run'>, dry: boolean) => `upstream '${o.upstream}' ${o.upstreamFailed ? (dry ? 'would fail' : 'failed') : 'did not run'}`;

const OUTCOMES: { [K in OutcomeKind]: Phrasing<K> } = {
  'up-to-date': {
    standing: 'current',
    summary: () => "didn't change",
    line: (name) => ['up-to-date', `Stage '${name}' didn't change, skipping`],
  },
  frozen: {
    standing: 'current',
    summary: () => 'frozen, not checked',
    line: (name) => ['frozen', `Stage '${name}' is frozen, not checked`],
  },
  blocked: {
    standing: 'skipped',
    summary: (o) => `blocked: upstream '${o.upstream}' is gated and has not produced ${o.missing.join(', ')}`,
    line: (name, o) => ['blocked', `Stage '${name}' skipped: upstream '${o.upstream}' is gated and has not produced ${o.missing.join(', ')}`],
  },
  gated: {
    standing: 'skipped',
    summary: (o) => (o.gate.upstream ? `gated ('${o.gate.upstream}' upstream is gated)` : `gated (gate closed: ${describeDecision(o.gate.values)})`),
    line: (name, o) => [
      'gated',
      o.gate.upstream
        ? `Stage '${name}' skipped: gate closed upstream ('${o.gate.upstream}' was skipped, so its verdict is from an earlier run)`
        : `Stage '${name}' skipped: gate closed (${describeDecision(o.gate.values)})`,
    ],
  },
  restore: {
    standing: 'to-do',
    summary: () => 'outs missing, restorable from the cache',
    line: (name, o) => ['would-run', `Would restore '${name}' from the cache (${note(o)})`],
  },
  'run-cache': {
    standing: 'to-do',
    summary: () => 'stale, restorable from the run-cache',
    line: (name, o) => ['would-run', `Would restore '${name}' from the run-cache (${note(o)})`],
  },
  run: {
    standing: 'to-do',
    summary: () => 'stale',
    line: (name, o) => ['would-run', `Would run stage '${name}': ${note(o)}`],
  },
  pending: {
    standing: 'to-do',
    summary: (o) => `may run: depends on what ${o.upstream.join(', ')} write${o.upstream.length > 1 ? '' : 's'}`,
    line: (name, o) => ['pending', `Stage '${name}' ${OUTCOMES.pending.summary(o, true)}${note(o) ? ` (already stale: ${note(o)})` : ''}`],
  },
  fail: {
    standing: 'to-do',
    summary: (o) => `stale, cannot run: ${o.why}`,
    line: (name, o, dry) => ['failed', `Stage '${name}' ${dry ? 'would fail' : 'failed'}: ${o.why}`],
  },
  'not-run': {
    standing: 'to-do',
    summary: (o, dry) => `not run: ${upstreamWhy(o, dry)}`,
    line: (name, o, dry) => ['not-run', `Stage '${name}' not run: ${upstreamWhy(o, dry)}`],
  },
};

function phrasing<K extends OutcomeKind>(o: OutcomeOf<K>): Phrasing<K> {
  return OUTCOMES[o.kind as K];
}

/** One line saying what the outcome means, the same words for `status` and `repro --dry`. */
export function describeOutcome(o: Outcome, dry = true): string {
  return phrasing(o).summary(o, dry);
}

/** The status and line a run reports for an outcome it does not act on (every outcome, dry). */
export function outcomeLine(name: string, o: Outcome, dry: boolean): [StageStatus, string] {
  return phrasing(o).line(name, o, dry);
}

/** The error a stage's result records: why it cannot run, or which upstream failed; undefined for the other outcomes. */
export function outcomeError(o: Outcome, dry: boolean): string | undefined {
  if (o.kind === 'not-run') return upstreamWhy(o, dry);
  return o.kind === 'fail' ? o.why : undefined;
}

export function standingOf(kind: OutcomeKind): Standing {
  return OUTCOMES[kind].standing;
}

/** Every stage current (up to date or frozen): a no-op, whose run says the pipeline is up to date. Undefined: not decided. */
export function nothingToDo(kinds: readonly (OutcomeKind | undefined)[]): boolean {
  return kinds.length > 0 && kinds.every((k) => k !== undefined && standingOf(k) === 'current');
}

/** Nothing would run or be restored: as nothingToDo, with stages a gate skips counted as settled. */
export function upToDate(kinds: readonly (OutcomeKind | undefined)[]): boolean {
  return kinds.every((k) => k !== undefined && standingOf(k) !== 'to-do');
}

/** The line a run that found nothing to do prints. */
export const UP_TO_DATE_LINE = 'Data and pipelines are up to date.';

/** The lines of outcomes a run acted on. */
export const actedLine = {
  restored: (name: string): string => `Restored outs of '${name}' from the cache`,
  runCache: (name: string, o: Outcome): string => `Stage '${name}' restored from the run-cache (${note(o)})`,
  ran: (name: string, duration: string): string => `Stage '${name}' done in ${duration}`,
  failed: (name: string, error: string): string => `Stage '${name}' failed: ${error}`,
  stopped: (name: string, why: string): string => `Stage '${name}' not run: ${why}`,
};
