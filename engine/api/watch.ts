import { watch, type FSWatcher } from 'chokidar';
import { buildGraph } from '../graph/dag.js';
import { lockPathFor } from '../lock/lockfile.js';
import { loadPipeline } from '../pipeline/load.js';
import { isSameOrInside } from '../util/paths.js';
import { isUserError } from '../errors.js';
import { runRepro, type RunReproOptions } from './repro.js';
import { BUILD_ID } from '../util/build-id.js';
import { WarmServer } from '../warm/server.js';
import { warmChecker } from './warm-check.js';
import type { Pipeline } from '../types.js';

/** Quiet time after the last change before a run starts: editors save in several writes. */
const SETTLE_MS = 300;

/**
 * The inputs a person edits: the pipeline file, params files, and every dep that no stage
 * produces. Outputs are never watched, so a run cannot trigger itself.
 */
export function watchedPaths(pipeline: Pipeline): string[] {
  const outs = pipeline.stages.flatMap((s) => s.outs.map((o) => o.path));
  const produced = (p: string) => outs.some((o) => isSameOrInside(p, o));
  const paths = new Set<string>([pipeline.file, ...pipeline.params]);
  for (const s of pipeline.stages) {
    for (const file of Object.keys(s.params)) paths.add(file);
    for (const d of s.deps) if (!d.previous && !produced(d.path)) paths.add(d.path);
  }
  paths.delete(lockPathFor(pipeline.file));
  return [...paths].sort();
}

/**
 * `repro --watch`: run, then run again whenever an input changes, until `signal` aborts.
 * A bad edit to the pipeline is reported and the watch goes on, waiting for the fix.
 * Meanwhile it answers a plain `repro` or `status` run in the same repository when nothing
 * changed since its last full check (engine/warm; DVC_TS_WARM=0 turns that off).
 */
export async function watchRepro(root: string, options: RunReproOptions, signal: AbortSignal, log: (line: string) => void): Promise<void> {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const rewatch = async () => {
    let paths: string[];
    try {
      const pipeline = await loadPipeline(root, { file: options.file });
      buildGraph(pipeline.stages);
      paths = watchedPaths(pipeline);
    } catch (e) {
      if (!isUserError(e)) throw e;
      paths = [options.file ?? 'pipeline.yaml', 'dvc.yaml', 'params.yaml'];
    }
    await watcher?.close();
    watcher = watch(paths, { cwd: root, ignoreInitial: true });
    watcher.on('all', (_event, path) => {
      log(`Changed: ${path}`);
      clearTimeout(timer);
      timer = setTimeout(trigger, SETTLE_MS);
    });
    log(`Watching ${paths.length} input${paths.length === 1 ? '' : 's'} for changes (Ctrl-C to stop)`);
  };

  const warm = process.env.DVC_TS_WARM === '0' ? undefined : new WarmServer(root, BUILD_ID, warmChecker(root, options.file), log);
  if (warm && (await warm.start())) log('Answering `dvc-ts repro` and `dvc-ts status` here while nothing changes');

  const runOnce = async () => {
    warm?.setBusy(true);
    try {
      // runRepro's own SIGINT handling stops a run in progress; the watch stops with it.
      await runRepro(root, { ...options, wait: true });
    } catch (e) {
      if (!isUserError(e)) throw e;
      log(`error: ${e.format()}`);
    } finally {
      warm?.setBusy(false);
    }
    await rewatch();
  };

  const trigger = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        trigger();
      }
    });
  };

  trigger();
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  clearTimeout(timer);
  await running;
  await watcher?.close();
  await warm?.close();
}
