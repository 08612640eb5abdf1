// `plots show` and `plots diff`: gather the declared plots at the workspace and/or revisions,
// and write them as one self-contained HTML page.
import { resolve } from 'node:path';
import { isUserError } from '../errors.js';
import { collectPlots, type PlotProblem, type PlotsReport, type RevisionInput } from '../report/plots/collect.js';
import { plotDefinitions, selectPlots, type PlotDefinition } from '../report/plots/defs.js';
import { isomorphicGitReader, type GitTreeReader } from '../report/plots/git.js';
import { commitFiles, loadPipelineFrom, textReaderOf, workspaceFiles, WORKSPACE } from '../report/plots/revisions.js';
import type { RevisionFiles } from '../report/plots/collect.js';

export type { PlotsReport, RenderedPlot, VegaPlot, ImagePlot, PlotProblem } from '../report/plots/collect.js';
export { describeProblem } from '../report/plots/html.js';

export { DEFAULT_PLOTS_OUTPUT, ignorePageFolder, resolveOutputPath, writePlotsPage } from '../report/plots/page-file.js';

export interface PlotsShowOptions {
  /** Plot ids, or files/directories plots read; a file no plot declares is plotted as is. */
  targets?: string[];
  /** The pipeline file, relative to root (default: pipeline.yaml, else dvc.yaml, at the root). */
  file?: string;
}

export interface PlotsDiffOptions extends PlotsShowOptions {
  /** Revisions to compare, oldest first; `workspace` names the files on disk. Default: HEAD and the workspace. */
  revs?: string[];
  /** Replaces the isomorphic-git reader (for another git backend). */
  git?: GitTreeReader;
}

/** The plots of the workspace. An invalid pipeline file is an error here: it is the user's to fix. */
export async function plotsShow(root: string, options: PlotsShowOptions = {}): Promise<PlotsReport> {
  const files = workspaceFiles(root);
  const pipeline = await loadPipelineFrom(textReaderOf(files), resolve(root), options.file);
  const definitions = selectPlots(pipeline ? plotDefinitions(pipeline) : [], options.targets ?? []);
  return collectPlots([{ files, definitions }]);
}

/** DVC's rule: with fewer than two revisions, the workspace is compared too. */
export function diffRevisions(revs: readonly string[]): string[] {
  const chosen = revs.length === 0 ? ['HEAD'] : [...revs];
  if (chosen.length < 2) chosen.push(WORKSPACE);
  return [...new Set(chosen)];
}

/**
 * The plots at several revisions, overlaid per plot. A revision whose pipeline cannot be read
 * still shows the plots other revisions declare, and the reason is reported; an unknown
 * revision is an error.
 */
export async function plotsDiff(root: string, options: PlotsDiffOptions = {}): Promise<PlotsReport> {
  const revs = diffRevisions(options.revs ?? []);
  const targets = options.targets ?? [];
  let git = options.git;
  const problems: PlotProblem[] = [];
  const inputs: RevisionInput[] = [];
  for (const rev of revs) {
    let files: RevisionFiles;
    if (rev === WORKSPACE) files = workspaceFiles(root);
    else {
      git ??= await isomorphicGitReader(root);
      let commit: string;
      try {
        commit = await git.resolveCommit(rev);
      } catch (e) {
        // A repository without commits yet: by default there is only the workspace to show.
        if (isUserError(e) && (options.revs ?? []).length === 0) continue;
        throw e;
      }
      files = commitFiles(resolve(root), git, rev, commit, options.file);
    }
    let definitions: PlotDefinition[] | undefined;
    try {
      const pipeline = await loadPipelineFrom(textReaderOf(files), resolve(root), options.file);
      definitions = pipeline ? plotDefinitions(pipeline) : [];
    } catch (e) {
      if (!isUserError(e)) throw e;
      problems.push({ rev, message: `pipeline not readable: ${e.format()}` });
      definitions = [];
    }
    inputs.push({ files, definitions: selectPlots(definitions, targets) });
  }
  return collectPlots(inputs, problems);
}

