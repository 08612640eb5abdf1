import type { Command } from 'commander';
import { findProject } from '../repo/root.js';

export function registerDag(program: Command): void {
  program
    .command('dag')
    .description('Show the stage graph')
    .argument('[target]', 'only this stage and what it depends on')
    .option('--mermaid', 'as a Mermaid flowchart')
    .option('--dot', 'as Graphviz DOT')
    .action(async (target: string | undefined, opts: { mermaid?: boolean; dot?: boolean }) => {
      const { loadPipeline } = await import('../pipeline/load.js');
      const { buildGraph } = await import('../graph/dag.js');
      const { selectStages } = await import('../graph/select.js');
      const { renderDag } = await import('../graph/render.js');
      const { root, file } = await findProject();
      const { collectsPipelines, loadAllPipelines } = await import('../pipeline/collect.js');
      // At the root of a repository with several pipeline files: all of them, as one graph.
      const all = file === undefined && collectsPipelines(root) ? await loadAllPipelines(root, { missingParams: 'omit' }) : undefined;
      const pipeline = all ?? (await loadPipeline(root, { file, missingParams: 'omit' }));
      const graph = buildGraph(pipeline.stages);
      const names = selectStages(graph, { targets: target ? [target] : [] });
      process.stdout.write(renderDag(graph, names, opts.mermaid ? 'mermaid' : opts.dot ? 'dot' : 'text'));
    });
}
