import type { Command } from 'commander';
import type { PlotsReport } from '../api/plots.js';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findProject } from '../repo/root.js';

interface PlotsOutputOptions {
  out?: string;
  json?: boolean;
}

export function registerPlots(program: Command): void {
  const plots = program.command('plots').description('Render the plots the pipeline declares as Vega-Lite charts in one offline HTML page');

  plots
    .command('show')
    .description('Render the plots of the workspace')
    .argument('[targets...]', 'plot ids, or files/directories to plot (default: every declared plot)')
    .option('-o, --out <file>', 'HTML file to write, or a directory for index.html (default: dvc_plots/index.html)')
    .option('--json', 'print the Vega-Lite specs, data inlined, instead of writing HTML')
    .action(async (targets: string[], opts: PlotsOutputOptions) => {
      const { plotsShow } = await import('../api/plots.js');
      const { root, file } = await findProject();
      await emit(await plotsShow(root, { targets, file }), opts);
    });

  plots
    .command('diff')
    .description('Overlay the plots of several revisions (default: HEAD and the workspace)')
    .argument('[revisions...]', "git revisions, oldest first; 'workspace' for the files on disk")
    .option('--targets <targets...>', 'plot ids, or files/directories to plot (default: every declared plot)')
    .option('-o, --out <file>', 'HTML file to write, or a directory for index.html (default: dvc_plots/index.html)')
    .option('--json', 'print the Vega-Lite specs, data inlined, instead of writing HTML')
    .action(async (revisions: string[], opts: PlotsOutputOptions & { targets?: string[] }) => {
      const { plotsDiff } = await import('../api/plots.js');
      const { root, file } = await findProject();
      await emit(await plotsDiff(root, { revs: revisions, targets: opts.targets ?? [], file }), opts);
    });
}

async function emit(report: PlotsReport, opts: PlotsOutputOptions): Promise<void> {
  const { describeProblem, ignorePageFolder, resolveOutputPath, writePlotsPage } = await import('../api/plots.js');
  if (opts.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  // File names and values come from the repository: no control characters reach the terminal.
  const warn = (text: string) => process.stderr.write(`warning: ${text.replace(/[\u0000-\u001f\u007f]/g, '?')}\n`);
  for (const p of report.problems) warn(describeProblem(p));
  for (const plot of report.plots) {
    for (const p of plot.problems) warn(`${plot.id}: ${describeProblem(p)}`);
  }
  if (report.plots.length === 0) {
    process.stderr.write('No plots were loaded, visualization file will not be created.\n');
    return;
  }
  const file = await writePlotsPage(report, await resolveOutputPath(opts.out));
  // The default folder ignores itself, so a rendered page never shows up in `git status`.
  if (opts.out === undefined) await ignorePageFolder(dirname(file));
  process.stdout.write(`${file}\n`);
  if (process.stderr.isTTY) process.stderr.write(`Open ${pathToFileURL(file).href} in a browser.\n`);
}
