// The timing loop: the rows of a group run round-robin, one warm-up round (under GNU time for the
// peak RSS) and then N timed rounds, each run preceded by its untimed preparation.

import { join } from 'node:path';
import { runTimed, type CommandSpec, type RssProbe } from './exec.js';
import type { GroupId, MeasuredRow } from './results.js';

export interface PlannedRow {
  group: GroupId;
  key: string;
  figure: string;
  tool: string;
  label: string;
  cmd: CommandSpec;
  /** Untimed, before every run; `round` is 0 for the warm-up, then 1…N (unique per run). */
  prepare?: (round: number) => Promise<void>;
  bytes?: number;
}

export interface MeasureContext {
  runs: number;
  /** GNU time, for peak RSS on the warm-up round; without it VmHWM is polled from /proc. */
  timeBin?: string;
  /** Scratch directory for GNU time's output. */
  scratch: string;
  /** A run taking longer is killed and its row marked failed. */
  timeoutMs?: number;
  /** True once the benchmark is being interrupted: stop between runs. */
  stopped: () => boolean;
  progress: (line: string) => void;
}

function failure(run: { exitCode: number | null; signal: string | null; stderrTail: string }): string {
  const tail = run.stderrTail.trim().split('\n').slice(-3).join(' / ');
  return `${run.signal ?? `exit ${run.exitCode}`}${tail ? `: ${tail.slice(-300)}` : ''}`;
}

/** Measure a group's rows; a row whose run fails keeps its error and is not run again. */
export async function measureGroup(rows: PlannedRow[], ctx: MeasureContext): Promise<MeasuredRow[]> {
  const results: MeasuredRow[] = rows.map((r) => ({
    group: r.group,
    key: r.key,
    figure: r.figure,
    tool: r.tool,
    label: r.label,
    samplesMs: [],
    ...(r.bytes !== undefined ? { bytes: r.bytes } : {}),
  }));
  for (let round = 0; round <= ctx.runs; round++) {
    for (const [i, row] of rows.entries()) {
      const res = results[i]!;
      if (ctx.stopped()) return results;
      if (res.error !== undefined) {
        if (round > 0) res.samplesMs.push(undefined);
        continue;
      }
      try {
        await row.prepare?.(round);
      } catch (e) {
        res.error = `preparation failed: ${(e as Error).message}`;
        if (round > 0) res.samplesMs.push(undefined);
        continue;
      }
      let rss: RssProbe | undefined;
      if (round === 0) rss = ctx.timeBin ? { kind: 'gnu-time', timeBin: ctx.timeBin, file: join(ctx.scratch, `rss-${process.pid}.txt`) } : { kind: 'proc' };
      const run = await runTimed(row.cmd, rss, ctx.timeoutMs);
      if (run.exitCode !== 0) {
        res.error = failure(run);
        if (round > 0) res.samplesMs.push(undefined);
        continue;
      }
      if (round === 0) {
        if (run.rssKb !== undefined) res.rssKb = run.rssKb;
      } else {
        res.samplesMs.push(run.ms);
      }
    }
    ctx.progress(`  ${rows[0]?.group ?? ''}: round ${round === 0 ? 'warm-up' : `${round}/${ctx.runs}`} done`);
  }
  return results;
}
