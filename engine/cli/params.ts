import type { Command } from 'commander';
import { addDiffCommand } from './metrics.js';

export function registerParams(program: Command): void {
  const params = program.command('params').description('Compare params across git revisions (read-only)');
  addDiffCommand(params, {
    description: 'Params used by stages that differ between two revisions (default: HEAD and the workspace)',
    all: 'every key of the params files, changed or not',
    keyHeader: 'Param',
    diff: async (root, options) => (await import('../api/params.js')).paramsDiff(root, options),
  });
}
