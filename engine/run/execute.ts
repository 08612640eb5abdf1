import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import type { StageDef } from '../types.js';
import type { RunningCommand } from './process.js';
import type { RunReporter } from './output.js';
import type { Repo } from './repo.js';
import { forgetStageGroup, recordStageGroup } from './orphans.js';
import { LineTail } from './line-tail.js';
import { ensureDir } from '../util/atomic.js';

const STDERR_TAIL_LINES = 20;
/** Grace between SIGTERM and SIGKILL for a stage's process group. */
const KILL_GRACE_MS = 3000;

/** The running commands of one repro, so an interrupt can reach every one of them. */
export class Commands {
  readonly running = new Set<RunningCommand>();
  interrupted = false;

  interrupt(): void {
    this.interrupted = true;
    for (const cmd of this.running) killGroup(cmd);
  }
}

/** Run a stage's commands in order; undefined on success, else what went wrong. */
export async function executeStage(repo: Repo, stage: StageDef, reporter: RunReporter, commands: Commands): Promise<string | undefined> {
  for (const out of stage.outs) if (!out.persist) await rm(repo.abs(out.path), { recursive: true, force: true });
  await Promise.all(stage.outs.map((o) => ensureDir(join(repo.abs(o.path), '..'))));
  const logDir = join(repo.root, DVC_TS_DIR, 'logs');
  await ensureDir(logDir);
  const log = await open(join(logDir, `${stage.name.replace(/[^A-Za-z0-9_.@-]/g, '_')}.log`), 'w');
  try {
    for (const cmd of stage.cmd) {
      if (commands.interrupted) return 'interrupted';
      await log.write(`$ ${cmd}\n`);
      const failure = await runCommand(repo, stage, cmd, { reporter, commands, log });
      if (failure !== undefined) return failure;
    }
    return undefined;
  } finally {
    await log.close();
  }
}

interface CommandContext {
  reporter: RunReporter;
  commands: Commands;
  log: { write(data: string | Buffer): Promise<unknown> };
}

async function runCommand(repo: Repo, stage: StageDef, cmd: string, ctx: CommandContext): Promise<string | undefined> {
  const stderrTail = new LineTail(STDERR_TAIL_LINES);
  // execa loads only when a stage really runs: a no-op repro never pays for it.
  const { startCommand } = await import('./process.js');
  const child = startCommand(cmd, {
    cwd: repo.abs(stage.wdir),
    env: { DVC_TS_STAGE: stage.name, DVC_TS_ROOT: repo.root },
    onOutput: (stream, chunk) => {
      ctx.reporter.stageOutput(stage.name, stream, chunk);
      // A log the disk has no room for must not end the run (an unhandled rejection would).
      ctx.log.write(chunk).catch(() => undefined);
      if (stream === 'stderr') stderrTail.push(chunk);
    },
  });
  ctx.commands.running.add(child);
  if (child.pid !== undefined) await recordStageGroup(repo.root, child.pid);
  if (ctx.commands.interrupted) killGroup(child);
  const outcome = await child.done;
  ctx.commands.running.delete(child);
  if (child.pid !== undefined) await forgetStageGroup(repo.root, child.pid);
  if (ctx.commands.interrupted) return 'interrupted';
  if (outcome.spawnError) return `could not start: ${outcome.spawnError}`;
  if (outcome.exitCode === 0) return undefined;
  const tail = stderrTail.lastLines();
  const why = outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
  return `'${cmd}' ended with ${why}` + (tail.length ? `\n${tail.map((l) => `  | ${l}`).join('\n')}` : '');
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
