import type { Command } from 'commander';
import { findProject } from './root.js';

export function registerStage(program: Command): void {
  const stage = program.command('stage').description('Inspect the stages of the pipeline');
  stage
    .command('list')
    .description('List stages (foreach/matrix expanded) with their descriptions')
    .option('--name-only', 'only the names, one per line')
    .option('--json', 'every resolved stage as JSON')
    .action(async (opts: { nameOnly?: boolean; json?: boolean }) => {
      const { loadPipeline } = await import('../pipeline/load.js');
      const { root, file } = await findProject();
      // As `dvc stage list`: no graph, overlap or params-file checks (the commands that build the
      // graph or read params make them).
      const pipeline = await loadPipeline(root, { file, missingParams: 'omit', listing: true });
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

function describeOuts(paths: string[]): string {
  if (paths.length === 0) return '';
  return `Outputs ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''}`;
}
