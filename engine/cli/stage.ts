import type { Command } from 'commander';
import { relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { Pipeline } from '../types.js';
import { findProject } from '../repo/root.js';

interface StageListOptions {
  nameOnly?: boolean;
  json?: boolean;
  all?: boolean;
  recursive?: boolean;
}

export function registerStage(program: Command): void {
  const stage = program.command('stage').description('Inspect the stages of the pipeline');
  stage
    .command('list')
    .description('List stages (foreach/matrix expanded) with their descriptions')
    .argument('[targets...]', 'pipeline files or folders to list (default: the pipeline here)')
    .option('--all', 'every pipeline of the repository, stages named `path/to/dvc.yaml:stage`')
    .option('-R, --recursive', 'with folder targets: every pipeline below them')
    .option('--name-only', 'only the names, one per line')
    .option('--json', 'every resolved stage as JSON')
    .action(async (targets: string[], opts: StageListOptions) => {
      const pipeline = await pipelineToList(targets, opts);
      if (opts.json) {
        process.stdout.write(JSON.stringify(pipeline.stages, null, 2) + '\n');
        return;
      }
      const width = Math.max(0, ...pipeline.stages.map((s) => s.name.length));
      for (const s of pipeline.stages) {
        const desc = s.desc ?? describeOuts(s.outs.map((o) => o.path));
        process.stdout.write(opts.nameOnly || !desc ? `${s.name}\n` : `${s.name.padEnd(width)}  ${desc}\n`);
      }
    });
}

/**
 * As `dvc stage list`: no graph, overlap or params-file checks (the commands that build the
 * graph or read params make them). Targets and --all take several pipeline files.
 */
async function pipelineToList(targets: string[], opts: StageListOptions): Promise<Pipeline> {
  const { loadPipeline } = await import('../pipeline/load.js');
  const { root, file } = await findProject();
  if (!opts.all && targets.length === 0) return loadPipeline(root, { file, missingParams: 'omit', listing: true });
  const { findPipelineFiles, mergePipelines } = await import('../pipeline/collect.js');
  const all = await findPipelineFiles(root);
  const files = opts.all ? all : all.filter((f) => targets.some((t) => targetTakes(root, t, f, opts.recursive === true)));
  if (files.length === 0) throw new UserError(`no pipeline file in ${targets.join(', ')}`);
  const loaded: Pipeline[] = [];
  for (const f of files) loaded.push(await loadPipeline(root, { file: f, missingParams: 'omit', listing: true }));
  return mergePipelines(root, loaded);
}

/** Whether a target (a pipeline file, or a folder: its own pipeline, or with -R all below) takes `file`. */
function targetTakes(root: string, target: string, file: string, recursive: boolean): boolean {
  const path = relative(root, resolve(target)).split(sep).join('/');
  if (path === file) return true;
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  const folder = path === '' || path === '.' ? '' : path.replace(/\/+$/, '');
  return recursive ? folder === '' || dir === folder || dir.startsWith(folder + '/') : dir === folder;
}

function describeOuts(paths: string[]): string {
  if (paths.length === 0) return '';
  return `Outputs ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''}`;
}
