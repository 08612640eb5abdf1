import type { StageDef } from '../../types.js';
import { Commands, executeStage } from './execute.js';
import type { StageExecutor, StageOutput, StageSite } from '../types.js';

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

  /** The batch's runs are the bound, as they always were. */
  limitJobs(jobs: number): number {
    return jobs;
  }

  execute(site: StageSite, stage: StageDef, output: StageOutput): Promise<string | undefined> {
    return executeStage(site, stage, output, this.commands);
  }

  interrupt(): void {
    this.commands.interrupt();
  }

  async close(): Promise<void> {}

  fork(): StageExecutor {
    return new LocalExecutor();
  }
}
