// Every executor dvc-ts knows, by the name users write in `--executor` and `executor:`.
import type { RepoConfig } from '../config.js';
import { UserError } from '../errors.js';
import { LocalExecutor } from './local/executor.js';
import type { StageExecutor } from './types.js';

interface ExecutorKind {
  /** One line for `--help` and errors. */
  summary: string;
  create(root: string): Promise<StageExecutor>;
}

const EXECUTORS: Readonly<Record<string, ExecutorKind>> = {
  local: {
    summary: 'child processes on this machine (default)',
    create: async () => new LocalExecutor(),
  },
  slurm: {
    summary: 'one Slurm batch job per stage (sbatch), all watched with one squeue call per poll',
    create: async (root) => {
      const [{ SlurmExecutor }, { readSlurmSettings }] = await Promise.all([import('./slurm/executor.js'), import('./config.js')]);
      return SlurmExecutor.open(await readSlurmSettings(root), root);
    },
  },
};

export const EXECUTOR_NAMES = Object.keys(EXECUTORS);

export function checkExecutorName(name: string): string {
  if (!Object.prototype.hasOwnProperty.call(EXECUTORS, name)) {
    throw new UserError(`unknown executor '${name}'`, { details: EXECUTOR_NAMES.map((n) => `${n}: ${EXECUTORS[n]!.summary}`) });
  }
  return name;
}

/** The executor of a run: `chosen` on the command line, else the configured one, else local. */
export async function openExecutor(root: string, config: RepoConfig, chosen: string | undefined): Promise<StageExecutor> {
  if (chosen === 'local') return new LocalExecutor();
  const { executorName } = await import('./config.js');
  const name = checkExecutorName(await executorName(root, config, chosen));
  return EXECUTORS[name]!.create(root);
}
