import type { StageDef } from '../types.js';
import type { RunReporter } from '../run/output.js';
import type { Repo } from '../run/repo.js';
import { Commands, executeStage } from '../run/execute.js';
import type { StageExecutor } from './types.js';

/** Stages as child processes of this dvc-ts, in process groups of their own. */
export class LocalExecutor implements StageExecutor {
  readonly name = 'local';
  private readonly commands = new Commands();

  get interrupted(): boolean {
    return this.commands.interrupted;
  }

  /** `resources.cpus` is what the stage takes of `-j`; the other resources mean nothing here. */
  slots(stage: StageDef, jobs: number): number {
    return Math.min(Math.max(1, stage.resources?.cpus ?? 1), Math.max(1, jobs));
  }

  execute(repo: Repo, stage: StageDef, reporter: RunReporter): Promise<string | undefined> {
    return executeStage(repo, stage, reporter, this.commands);
  }

  interrupt(): void {
    this.commands.interrupt();
  }

  async close(): Promise<void> {}
}
