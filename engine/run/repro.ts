import { mkdir, rm, open } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentError, isUserError } from '../errors.js';
import { decideGate, describeDecision } from '../gate/index.js';
import { resolveTarget, selectStages } from '../graph/select.js';
import { describeReason, onlyRestorable, type StaleReason } from '../graph/staleness.js';
import { computeRunKey } from '../hash/stage.js';
import type { GateDecision, LockEntry, StageDef } from '../types.js';
import { ignoreOuts } from '../git/gitignore.js';
import type { Repo } from './repo.js';
import type { RunningCommand } from './process.js';
import type { RunReporter, StageStatus } from './output.js';
import { LockWriter } from './lock-writer.js';
import { DVC_TS_DIR } from '../config.js';
import { MinHeap } from '../util/heap.js';
import { forgetStageGroup, recordStageGroup } from './orphans.js';

export interface ReproOptions {
  targets?: string[];
  /** Run the selected stages even when they are up to date. */
  force?: boolean;
  /** Say what would run and why; run nothing, write nothing. */
  dry?: boolean;
  downstream?: boolean;
  /** Only the targets, not what they depend on. */
  single?: boolean;
  /** After a failure, go on with every stage that does not depend on the failed one. */
  keepGoing?: boolean;
  /** Stages run at once (commands, not hashing). */
  jobs?: number;
  /** Run gated stages as if every gate were open. */
  ignoreGates?: boolean;
  /** Use the run-cache to restore outs of a (cmd, deps, params) seen before. Default true. */
  runCache?: boolean;
  reporter: RunReporter;
  /** Aborting stops new stages and kills the running ones' process groups. */
  signal?: AbortSignal;
}

export interface StageResult {
  name: string;
  status: StageStatus;
  reasons: StaleReason[];
  gate?: GateDecision;
  /** Milliseconds spent in the stage's own commands (ran), or in restoring it. */
  durationMs: number;
  /** For failures: what went wrong, with the tail of stderr. */
  error?: string;
}

export interface ReproSummary {
  results: StageResult[];
  failed: boolean;
  interrupted: boolean;
  durationMs: number;
}

const STDERR_TAIL_LINES = 20;
/** Grace between SIGTERM and SIGKILL for a stage's process group. */
const KILL_GRACE_MS = 3000;

/**
 * Reproduce the pipeline: every selected stage in topological order, each checked against the
 * lock when its upstream has finished (so a stage whose upstream rebuilt identical outs stays
 * up to date: early cutoff), independent stages in parallel up to `jobs`.
 */
export async function reproduce(repo: Repo, options: ReproOptions): Promise<ReproSummary> {
  const started = performance.now();
  const { graph } = repo;
  const selected = selectStages(graph, { targets: options.targets ?? [], downstream: options.downstream, single: options.single });
  const selectedSet = new Set(selected);
  // Named targets themselves (not their upstream): `--force` reaches into a frozen stage only then.
  const explicit = new Set((options.targets ?? []).flatMap((t) => resolveTarget(graph, t)));
  const jobs = Math.max(1, options.jobs ?? 1);
  const reporter = options.reporter;
  const lockWriter = new LockWriter(repo.root, repo.lock, graph.order, repo.lockFile);
  const results = new Map<string, StageResult>();
  const running = new Set<RunningCommand>();
  let stopLaunching = false;
  let interrupted = false;

  const onAbort = () => {
    interrupted = true;
    stopLaunching = true;
    for (const cmd of running) killGroup(cmd);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  reporter.begin(selected.length, () => repo.hasher.filesHashed);

  // A stage becomes ready when every selected upstream stage has finished; among ready stages
  // the earliest in topological order starts first, so `-j 1` runs in the order DVC would.
  const rank = new Map(selected.map((n, i) => [n, i]));
  const waitingOn = new Map(selected.map((n) => [n, graph.upstream.get(n)!.filter((u) => selectedSet.has(u)).length]));
  const ready = new MinHeap<string>((a, b) => rank.get(a)! - rank.get(b)!);
  for (const n of selected) if (waitingOn.get(n) === 0) ready.push(n);
  let active = 0;

  const processStage = async (name: string): Promise<StageResult> => {
    const stage = graph.byName.get(name)!;
    const upResults = graph.upstream.get(name)!.filter((u) => selectedSet.has(u)).map((u) => results.get(u)!);
    const brokenUp = upResults.find((r) => r.status === 'failed' || r.status === 'not-run');
    if (brokenUp || stopLaunching) {
      const why = brokenUp ? `upstream '${brokenUp.name}' ${brokenUp.status === 'failed' ? 'failed' : 'did not run'}` : interrupted ? 'interrupted' : 'stopped after a failure';
      reporter.stageDone(name, 'not-run', `Stage '${name}' not run: ${why}`);
      return { name, status: 'not-run', reasons: [], durationMs: 0 };
    }
    try {
      return await runOne(stage, upResults);
    } catch (e) {
      return failStage(name, [], e);
    }
  };

  const runAll = () => new Promise<void>((resolveAll, rejectAll) => {
    const launch = () => {
      if (results.size === selected.length) return resolveAll();
      while (active < jobs && ready.size > 0) {
        const name = ready.pop()!;
        active++;
        processStage(name).then((result) => {
          active--;
          results.set(name, result);
          for (const d of graph.downstream.get(name)!) {
            if (!selectedSet.has(d)) continue;
            const left = waitingOn.get(d)! - 1;
            waitingOn.set(d, left);
            if (left === 0) ready.push(d);
          }
          launch();
        }, rejectAll);
      }
    };
    launch();
  });

  const runOne = async (stage: StageDef, upResults: StageResult[]): Promise<StageResult> => {
    const name = stage.name;
    const entry = repo.lock.stages[name];
    if (stage.frozen && !(options.force && explicit.has(name))) {
      reporter.stageDone(name, 'frozen', `Stage '${name}' is frozen, not checked`);
      return { name, status: 'frozen', reasons: [], durationMs: 0 };
    }
    const observed = await repo.observe(stage);
    let reasons = repo.staleReasons(stage, entry, observed);
    if (options.force && reasons.length === 0) reasons = [{ kind: 'always-changed' }];
    const forced = options.force === true;

    if (reasons.length === 0) {
      reporter.stageDone(name, 'up-to-date', `Stage '${name}' didn't change, skipping`);
      return { name, status: 'up-to-date', reasons, durationMs: 0 };
    }
    if (!forced && onlyRestorable(reasons)) {
      if (options.dry) {
        reporter.stageDone(name, 'would-run', `Would restore '${name}' from the cache (${reasons.map(describeReason).join('; ')})`);
        return { name, status: 'would-run', reasons, durationMs: 0 };
      }
      const t = performance.now();
      await repo.restoreOuts(stage, entry!.outs);
      reporter.stageDone(name, 'restored', `Restored outs of '${name}' from the cache`);
      return { name, status: 'restored', reasons, durationMs: performance.now() - t };
    }

    // A dep that an upstream stage never produced because its gate was closed blocks this
    // stage quietly; any other missing dep is an error before anything runs.
    const missing = stage.deps.filter((d) => !d.previous && observed.deps.get(d.path) === undefined);
    if (missing.length > 0) {
      const gatedUp = upResults.find((r) => r.status === 'gated' || r.status === 'blocked');
      if (gatedUp) {
        const line = `Stage '${name}' skipped: upstream '${gatedUp.name}' is gated and has not produced ${missing.map((m) => m.path).join(', ')}`;
        reporter.stageDone(name, 'blocked', line);
        return { name, status: 'blocked', reasons, durationMs: 0 };
      }
      if (!options.dry) {
        const error = `missing dependencies: ${missing.map((m) => m.path).join(', ')}`;
        reporter.stageDone(name, 'failed', `Stage '${name}' failed: ${error}`);
        stopLaunching ||= !options.keepGoing;
        return { name, status: 'failed', reasons, durationMs: 0, error };
      }
    }

    let gate: GateDecision | undefined;
    // A gate whose file comes from a stage its own gate skipped in this run would decide on
    // an earlier run's verdict: the closed gate propagates instead ("gated with").
    const closedUpstream = (graph.gateUpstream.get(name) ?? []).find((u) => {
      const s = results.get(u)?.status;
      return s === 'gated' || s === 'blocked';
    });
    if (closedUpstream && !options.ignoreGates) {
      gate = { open: false, expr: stage.when!.expr, values: {}, upstream: closedUpstream };
      if (!options.dry) lockWriter.set(name, skippedEntry(stage, entry, gate));
      reporter.stageDone(name, 'gated', `Stage '${name}' skipped: gate closed upstream ('${closedUpstream}' was skipped, so its verdict is from an earlier run)`);
      return { name, status: 'gated', reasons, gate, durationMs: 0 };
    }
    if (stage.when) {
      const upstreamPending = options.dry && upResults.some((r) => r.status === 'would-run');
      if (!upstreamPending) {
        try {
          gate = await decideGate(repo.root, name, stage.when);
        } catch (e) {
          if (!isUserError(e) || !options.ignoreGates) return failStage(name, reasons, e);
          gate = { open: true, expr: stage.when.expr, values: {} };
        }
        if (options.ignoreGates) gate = { ...gate, open: true, ignored: true };
        if (!gate.open) {
          const line = `Stage '${name}' skipped: gate closed (${describeDecision(gate.values)})`;
          if (!options.dry) lockWriter.set(name, skippedEntry(stage, entry, gate));
          reporter.stageDone(name, 'gated', line);
          return { name, status: 'gated', reasons, gate, durationMs: 0 };
        }
      }
    }

    const note = reasons.map(describeReason).join('; ');
    if (options.dry) {
      reporter.stageDone(name, 'would-run', `Would run stage '${name}': ${note}`);
      const result: StageResult = { name, status: 'would-run', reasons, durationMs: 0 };
      if (gate) result.gate = gate;
      return result;
    }

    const base: LockEntry = { cmd: stage.cmd, deps: repo.depEntries(stage, observed), params: stage.params, outs: [] };
    const runKey = repo.runCacheable(stage) && options.runCache !== false
      ? computeRunKey({ cmd: stage.cmd, deps: base.deps, params: stage.params, outs: stage.outs.map((o) => o.path) })
      : undefined;
    if (runKey && !forced) {
      const outs = await repo.runCache.findRun(runKey);
      if (outs) {
        const t = performance.now();
        await repo.restoreOuts(stage, outs);
        const restored: LockEntry = { ...base, outs };
        if (gate) restored.gate = gate;
        lockWriter.set(name, restored);
        reporter.stageDone(name, 'run-cache', `Stage '${name}' restored from the run-cache (${note})`);
        const result: StageResult = { name, status: 'run-cache', reasons, durationMs: performance.now() - t };
        if (gate) result.gate = gate;
        return result;
      }
    }

    reporter.stageStarted(name, note);
    const t = performance.now();
    const failure = await execute(stage);
    const durationMs = performance.now() - t;
    if (failure !== undefined) {
      reporter.stageDone(name, 'failed', `Stage '${name}' failed: ${failure}`);
      stopLaunching ||= !options.keepGoing;
      return { name, status: 'failed', reasons, durationMs, error: failure };
    }
    try {
      const outs = await repo.commitOuts(stage);
      const fresh: LockEntry = { ...base, outs };
      if (gate) fresh.gate = gate;
      await ignoreOuts(repo.root, stage.outs.filter((o) => o.cache).map((o) => o.path));
      lockWriter.set(name, fresh);
      if (runKey) await repo.runCache.saveRun(runKey, outs);
    } catch (e) {
      return failStage(name, reasons, e);
    }
    reporter.stageDone(name, 'ran', `Stage '${name}' done in ${formatMs(durationMs)}`);
    const result: StageResult = { name, status: 'ran', reasons, durationMs };
    if (gate) result.gate = gate;
    return result;
  };

  const failStage = (name: string, reasons: StaleReason[], e: unknown): StageResult => {
    // A full disk or a read-only mount fails the stage, naming the path and the cause.
    const user = isUserError(e) ? e : environmentError(e);
    if (!user) throw e;
    const error = user.format();
    reporter.stageDone(name, 'failed', `Stage '${name}' failed: ${error}`);
    stopLaunching ||= !options.keepGoing;
    return { name, status: 'failed', reasons, durationMs: 0, error };
  };

  /** Run the stage's commands in order; undefined on success, else what went wrong. */
  const execute = async (stage: StageDef): Promise<string | undefined> => {
    for (const out of stage.outs) if (!out.persist) await rm(repo.abs(out.path), { recursive: true, force: true });
    await Promise.all(stage.outs.map((o) => mkdir(join(repo.abs(o.path), '..'), { recursive: true })));
    const logDir = join(repo.root, DVC_TS_DIR, 'logs');
    await mkdir(logDir, { recursive: true });
    const log = await open(join(logDir, `${stage.name.replace(/[^A-Za-z0-9_.@-]/g, '_')}.log`), 'w');
    try {
      for (const cmd of stage.cmd) {
        if (stopLaunching && interrupted) return 'interrupted';
        await log.write(`$ ${cmd}\n`);
        const stderrTail: string[] = [];
        // execa loads only when a stage really runs: a no-op repro never pays for it.
        const { startCommand } = await import('./process.js');
        const child = startCommand(cmd, {
          cwd: repo.abs(stage.wdir),
          env: { DVC_TS_STAGE: stage.name, DVC_TS_ROOT: repo.root },
          onOutput: (stream, chunk) => {
            reporter.stageOutput(stage.name, stream, chunk);
            // A log the disk has no room for must not end the run (an unhandled rejection would).
            log.write(chunk).catch(() => undefined);
            if (stream === 'stderr') {
              stderrTail.push(...chunk.toString('utf8').split('\n'));
              if (stderrTail.length > STDERR_TAIL_LINES * 4) stderrTail.splice(0, stderrTail.length - STDERR_TAIL_LINES);
            }
          },
        });
        running.add(child);
        if (child.pid !== undefined) await recordStageGroup(repo.root, child.pid);
        if (interrupted) killGroup(child);
        const outcome = await child.done;
        running.delete(child);
        if (child.pid !== undefined) await forgetStageGroup(repo.root, child.pid);
        if (interrupted) return 'interrupted';
        if (outcome.spawnError) return `could not start: ${outcome.spawnError}`;
        if (outcome.exitCode !== 0) {
          const tail = stderrTail.filter((l) => l.trim() !== '').slice(-STDERR_TAIL_LINES);
          const why = outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
          return `'${cmd}' ended with ${why}` + (tail.length ? `\n${tail.map((l) => `  | ${l}`).join('\n')}` : '');
        }
      }
      return undefined;
    } finally {
      await log.close();
    }
  };

  try {
    await runAll();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await lockWriter.close();
    reporter.end();
  }
  const list = selected.map((n) => results.get(n)!);
  return {
    results: list,
    failed: list.some((r) => r.status === 'failed'),
    interrupted,
    durationMs: performance.now() - started,
  };
}

/** What the lock keeps for a stale stage its gate skipped: the old record, the decision, a flag. */
function skippedEntry(stage: StageDef, previous: LockEntry | undefined, gate: GateDecision): LockEntry {
  const base = previous ?? { cmd: stage.cmd, deps: [], params: {}, outs: [] };
  return { ...base, gate, skipped: true };
}

function killGroup(cmd: RunningCommand): void {
  cmd.kill('SIGTERM');
  const timer = setTimeout(() => cmd.kill('SIGKILL'), KILL_GRACE_MS);
  timer.unref();
  void cmd.done.then(() => {
    clearTimeout(timer);
    // The shell is gone; make sure nothing it started lingers in its group.
    cmd.kill('SIGKILL');
  });
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function summarize(summary: ReproSummary): string {
  const count = (...s: StageStatus[]) => summary.results.filter((r) => s.includes(r.status)).length;
  const parts = [
    `${count('ran')} ran`,
    `${count('restored', 'run-cache')} restored`,
    `${count('up-to-date', 'frozen')} up to date`,
  ];
  const gated = count('gated', 'blocked');
  if (gated) parts.push(`${gated} skipped by gates`);
  const wouldRun = count('would-run');
  if (wouldRun) parts.push(`${wouldRun} would run`);
  parts.push(`${count('failed')} failed`);
  const notRun = count('not-run');
  if (notRun) parts.push(`${notRun} not run`);
  return `${parts.join(', ')} in ${formatMs(summary.durationMs)}`;
}

