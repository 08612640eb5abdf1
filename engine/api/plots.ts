// `plots show` and `plots diff`: gather the declared plots at the workspace and/or revisions,
// and write them as one self-contained HTML page.
import { ObjectStore } from '../cache/store.js';
import { isUserError, UserError } from '../errors.js';
import { GitHistory } from '../git/history.js';
import { WORKSPACE_LABEL } from '../git/scope.js';
import { Snapshot } from '../git/snapshot.js';
import { collectPlots, type PlotProblem, type PlotsReport, type RevisionFiles, type RevisionInput } from '../report/plots/collect.js';
import { plotDefinitions, selectPlots, type PlotDefinition } from '../report/plots/defs.js';

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
}

/** The plots of the workspace. An invalid pipeline file is an error here: it is the user's to fix. */
export async function plotsShow(root: string, options: PlotsShowOptions = {}): Promise<PlotsReport> {
  const snapshot = Snapshot.workspace(root, options.file);
  const pipeline = await snapshot.pipeline();
  const definitions = selectPlots(pipeline ? plotDefinitions(pipeline) : [], options.targets ?? []);
  return collectPlots([{ files: revisionFiles(snapshot), definitions }]);
}

/** DVC's rule: with fewer than two revisions, the workspace is compared too. */
export function diffRevisions(revs: readonly string[]): string[] {
  const chosen = revs.length === 0 ? ['HEAD'] : [...revs];
  if (chosen.length < 2) chosen.push(WORKSPACE_LABEL);
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
  const store = new ObjectStore(root);
  let history: GitHistory | undefined;
  const problems: PlotProblem[] = [];
  const inputs: RevisionInput[] = [];
  for (const rev of revs) {
    if (rev !== WORKSPACE_LABEL) {
      history ??= await GitHistory.open(root);
      if (!history) throw new UserError(`'${root}' is not inside a git repository: revisions cannot be read`);
    }
    let snapshot: Snapshot;
    try {
      snapshot = await Snapshot.forRevision(root, history, rev, options.file);
    } catch (e) {
      // A repository without commits yet: by default there is only the workspace to show.
      if (isUserError(e) && (options.revs ?? []).length === 0) continue;
      throw e;
    }
    let definitions: PlotDefinition[] | undefined;
    try {
      const pipeline = await snapshot.pipeline();
      definitions = pipeline ? plotDefinitions(pipeline) : [];
    } catch (e) {
      if (!isUserError(e)) throw e;
      problems.push({ rev, message: `pipeline not readable: ${e.format()}` });
      definitions = [];
    }
    inputs.push({ files: revisionFiles(snapshot, store), definitions: selectPlots(definitions, targets) });
  }
  return collectPlots(inputs, problems);
}

/**
 * What plots read of a revision. At a commit, outputs kept out of git come from the local cache
 * through that commit's lock, as DVC reads them; the workspace shows what is on disk.
 */
function revisionFiles(snapshot: Snapshot, store?: ObjectStore): RevisionFiles {
  const cache = snapshot.commit === undefined ? undefined : store;
  return {
    label: snapshot.label,
    readFile: (path) => snapshot.readBytes(path, cache),
    listDir: (path) => snapshot.listBelow(path, cache),
  };
}
