import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import type { StageDef } from '../../types.js';
import { prepareOuts, stageLogPath } from '../stage-files.js';
import { ensureDir } from '../../util/atomic.js';
import type { SlurmSettings, StageExecutor, StageOutput, StageSite } from '../types.js';
import { SlurmCli } from './cli.js';
import { jobScript, sbatchArgs, type SubmitRequest } from './job.js';
import { SlurmRun } from './orphans.js';
import { SlurmQueue, type JobEnd } from './queue.js';

const LOG_TAIL_LINES = 20;
/**
 * Runs (experiments) prepared per job slot: with 2, while `jobs` jobs run, as many more runs are
 * copied, decided and waiting with their job scripts written, to be submitted when a job ends.
 */
const RUNS_PER_SLOT = 2;

/** What every executor of one command shares: Slurm's commands, the queue watcher, the run record. */
class SlurmSession {
  readonly cli = new SlurmCli();
  readonly queue: SlurmQueue;
  /** Jobs submitted and not yet seen to end, by any executor of the session. */
  readonly inFlight = new Set<string>();
  /** Jobs in flight across every executor of the session (`exp run -j`); unbounded for `repro`, whose scheduler bounds them. */
  readonly slots: LimitFunction = pLimit(Number.POSITIVE_INFINITY);
  pollError: unknown;
  /** Checked once, before the first job: the controller answers, the run is recorded. */
  private started: Promise<SlurmRun> | undefined;

  /**
   * `root`: the repository of the command, where the run record goes, so that the next command
   * there finds a killed run's jobs, experiments' jobs included (they run in temporary copies).
   */
  constructor(readonly settings: SlurmSettings, private readonly root: string) {
    this.queue = new SlurmQueue(this.cli, settings.pollMs, (e) => {
      this.pollError = e;
    });
  }

  start(): Promise<SlurmRun> {
    return (this.started ??= this.cli.checkReachable().then(() => SlurmRun.start(this.root)));
  }

  async close(): Promise<void> {
    this.queue.close();
    // Jobs still in flight (an interrupt whose cancel has not been seen) keep the record, so the
    // next command that takes the repository lock finishes the cancellation.
    if (this.inFlight.size === 0) await (await this.started?.catch(() => undefined))?.finish();
  }
}

/**
 * Each stage as one Slurm batch job. The coordinator (this process) still decides every stage
 * when its upstream has finished, so gates, the run-cache and early cutoff work as locally;
 * only the commands run on the cluster, in the stage's wdir on the shared file system.
 */
export class SlurmExecutor implements StageExecutor {
  readonly name = 'slurm';
  interrupted = false;
  /** This executor's own jobs, cancelled by its interrupt. */
  private readonly mine = new Set<string>();

  private constructor(private readonly session: SlurmSession, private readonly owner: boolean) {}

  /** The executor of a command run in `root` (experiments fork it per experiment). */
  static open(settings: SlurmSettings, root: string): SlurmExecutor {
    return new SlurmExecutor(new SlurmSession(settings, root), true);
  }

  /** `-j` bounds jobs in flight: each job is one slot whatever it asks of the cluster. */
  slots(): number {
    return 1;
  }

  limitJobs(jobs: number): number {
    this.session.slots.concurrency = Math.max(1, jobs);
    return Math.max(1, jobs) * RUNS_PER_SLOT;
  }

  async execute(repo: StageSite, stage: StageDef, reporter: StageOutput): Promise<string | undefined> {
    const run = await this.session.start();
    if (this.interrupted) return 'interrupted';
    await prepareOuts(repo, stage);
    const logFile = await stageLogPath(repo, stage);
    const safe = basename(logFile, '.log');
    const work = join(repo.root, run.workDir);
    await ensureDir(work);
    const scriptFile = join(work, `${safe}.sh`);
    const rcFile = join(work, `${safe}.rc`);
    await rm(rcFile, { force: true });
    await writeFile(scriptFile, jobScript(stage, repo.root, rcFile), { mode: 0o700 });
    const request = { stage, repoName: basename(repo.root), chdir: repo.abs(stage.wdir), logFile, scriptFile, comment: run.comment, settings: this.session.settings };
    // Ready to go: the job waits here (its script written) only for a slot of the session's bound.
    const ended = await this.session.slots(() => (this.interrupted ? 'interrupted' : this.submitAndWait(request, reporter)));
    if (typeof ended === 'string') return ended;
    const log = await readFile(logFile).catch(() => Buffer.alloc(0));
    if (log.length > 0) reporter.stageOutput(stage.name, 'stdout', log);
    const rc = await readFile(rcFile, 'utf8').then((t) => Number(t.trim()), () => undefined);
    await Promise.all([rm(scriptFile, { force: true }), rm(rcFile, { force: true })]);
    if (this.interrupted) return 'interrupted';
    return failureOf(ended.id, ended.end, rc, log.toString('utf8'), relative(repo.root, logFile), this.session.pollError);
  }

  /** Submit the job and wait for its end; sbatch's refusal as a failure message. */
  private async submitAndWait(request: SubmitRequest, reporter: StageOutput): Promise<{ id: string; end: JobEnd } | string> {
    const { cli, queue, inFlight } = this.session;
    const submitted = await cli.submit(sbatchArgs(request));
    if ('refused' in submitted) return `sbatch refused the job: ${submitted.refused}`;
    const id = submitted.id;
    inFlight.add(id);
    this.mine.add(id);
    reporter.info(`Stage '${request.stage.name}' submitted as Slurm job ${id}`);
    if (this.interrupted) await cli.cancel([id]);
    const end = await queue.wait(id);
    inFlight.delete(id);
    this.mine.delete(id);
    return { id, end };
  }

  interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    // One scancel for every job of this run; the queue then sees them end as CANCELLED.
    void this.session.cli.cancel([...this.mine]);
  }

  async close(): Promise<void> {
    if (this.owner) await this.session.close();
  }

  fork(): StageExecutor {
    return new SlurmExecutor(this.session, false);
  }
}

/** undefined when the job completed with exit 0; else the job id, Slurm's state, and the log's tail. */
function failureOf(id: string, end: JobEnd, rc: number | undefined, log: string, logPath: string, pollError: unknown): string | undefined {
  if (end.state === 'COMPLETED' && rc === 0) return undefined;
  const code = rc !== undefined ? `, exit code ${rc}` : '';
  const reason = end.reason ? ` (${end.reason})` : '';
  const cause = end.state === 'GONE' && pollError ? `: ${String(pollError)}` : '';
  const tail = log.replace(/\n$/, '').split('\n').filter(Boolean).slice(-LOG_TAIL_LINES);
  return `Slurm job ${id} ended ${end.state}${reason}${code}${cause} (log: ${logPath})` + (tail.length ? `\n${tail.map((l) => `  | ${l}`).join('\n')}` : '');
}
