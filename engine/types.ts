// Shared domain types. The pure core (pipeline, graph, staleness) and the edges (hash, cache,
// run, git) all speak in these terms, so they live in one place with no imports.

/** Where a value came from in a YAML file: 1-based line and column. */
export interface SourcePos {
  /** Path of the file relative to the repository root, as shown in errors (`pipeline.yaml`). */
  file: string;
  line: number;
  col: number;
}

/** A declared dependency of a stage. */
export interface DepSpec {
  /** Repository-relative POSIX path, normalised (no `./`, no trailing `/`). */
  path: string;
  /**
   * `previous: true`: the file as an earlier run of a downstream stage left it (the champion
   * model that `package` produced last time). Hashed and recorded in the lock for lineage, but
   * it adds no DAG edge and its change alone does not make the stage stale: that is what lets a
   * loop in time (evaluate → package → next evaluate) exist without a cycle.
   */
  previous?: boolean;
  pos: SourcePos;
}

export type OutKind = 'out' | 'metric' | 'plot';

/** Plot display properties (DVC's per-output plot options). */
export interface PlotProps {
  x?: string;
  y?: string | string[];
  template?: string;
  title?: string;
  x_label?: string;
  y_label?: string;
  header?: boolean;
}

/** A declared output of a stage: `outs`, `metrics` or `plots` entries. */
export interface OutSpec {
  /** Repository-relative POSIX path, normalised. */
  path: string;
  kind: OutKind;
  /** Stored in the content-addressed cache (default true for outs and plots; DVC's default). */
  cache: boolean;
  /** Not deleted before the stage runs. */
  persist: boolean;
  push: boolean;
  desc?: string;
  plot?: PlotProps;
  pos: SourcePos;
}

/** Parameter values a stage reads, by params file, by dotted key. */
export type ParamValues = Record<string, Record<string, unknown>>;

/** A `params:` entry of a stage: a params file and the keys it reads (null: the whole file). */
export interface ParamSource {
  file: string;
  keys: string[] | null;
}

/** A gate condition as written in the stage's `when:` field; parsed by engine/gate. */
export interface GateSpec {
  /** The condition expression, after `${}` interpolation. */
  expr: string;
  /** Alias → repository-relative file path the condition reads. A single `file:` has alias ''. */
  files: Record<string, string>;
  /** Where each file was written, by alias (for errors about the path itself). */
  filePos?: Record<string, SourcePos>;
  pos: SourcePos;
}

/** One runnable stage after interpolation and foreach/matrix expansion. */
export interface StageDef {
  /** `train`, or `train@uk` for an expanded stage. */
  name: string;
  /** Commands run in order with `sh -c`, stopping at the first failure; already interpolated. */
  cmd: string[];
  /** Repository-relative working directory ('.' for the root). */
  wdir: string;
  /** Where `wdir` was written, when it was. */
  wdirPos?: SourcePos;
  deps: DepSpec[];
  outs: OutSpec[];
  /** Values of the params this stage uses (declared, or tracked through `${}` in its fields). */
  params: ParamValues;
  /** The declared `params:` entries, so they can be read again when their file is produced by an earlier stage. */
  paramSources?: ParamSource[];
  /** Declared params files missing when the pipeline was loaded. */
  paramsMissing?: string[];
  frozen: boolean;
  alwaysChanged: boolean;
  when?: GateSpec;
  /** What one run needs (`resources:`); read by executors only, never hashed. */
  resources?: StageResources;
  desc?: string;
  meta?: unknown;
  /** Position of the stage's key in the pipeline file. */
  pos: SourcePos;
}

/** A stage's `resources:` as written (validated by the schema). */
export interface StageResources {
  cpus?: number;
  /** Megabytes, or a size with a K/M/G/T suffix. */
  mem?: number | string;
  gpus?: number;
  /** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]. */
  time?: number | string;
  partition?: string;
}

/** A top-level `plots:` entry (DVC 3 style), kept for the report commands. */
export interface TopLevelPlot {
  id: string;
  /** Files the plot reads; `y` may map files to fields. */
  props: Record<string, unknown>;
  pos: SourcePos;
}

export interface Pipeline {
  /** Absolute path of the repository root. */
  root: string;
  /** The pipeline file relative to root: `pipeline.yaml` or `dvc.yaml`. */
  file: string;
  /** Stages in declaration order (expanded stages in expansion order). */
  stages: StageDef[];
  /** Top-level `metrics:` files (repository-relative). */
  metrics: string[];
  /** Top-level `plots:` entries. */
  plots: TopLevelPlot[];
  /** Top-level `params:` files (repository-relative). */
  params: string[];
  /** Top-level `artifacts:` as written. */
  artifacts: Record<string, unknown>;
  /**
   * Top-level `metrics:`/`params:` paths that leave the repository, left out of `metrics` and
   * `params`: as DVC, only the commands that read them (metrics) refuse them, not loading.
   */
  outsidePaths?: OutsidePath[];
  /**
   * Present when the pipeline is every pipeline file of the repository (pipeline/collect.ts):
   * each file and its stages' own names, in file order. Stage names above are then
   * `file:name` for files below the root.
   */
  parts?: PipelinePart[];
  /**
   * Repository-relative files the pipeline was resolved from (pipeline files, params and vars
   * files, read or found absent): what a watcher must watch to know the pipeline is unchanged.
   */
  sources?: string[];
}

/** One pipeline file of several taken together. */
export interface PipelinePart {
  /** Repository-relative pipeline file. */
  file: string;
  /** Its stages' names as written in it (expanded), in its order. */
  stages: string[];
}

/** A top-level path of a pipeline file that leaves the repository. */
export interface OutsidePath {
  key: 'metrics' | 'params';
  /** As written in the pipeline file. */
  written: string;
  pos: SourcePos;
}

/** Content hash of a file or directory as recorded in the lock. */
export interface HashInfo {
  /** Hex digest. For a directory: the hash of its manifest, suffixed `.dir`. */
  hash: string;
  size: number;
  /** Present for directories only. */
  nfiles?: number;
}

export interface LockPathEntry extends HashInfo {
  path: string;
}

/** A gate decision recorded in the lock and exposed by `status --json`. */
export interface GateDecision {
  open: boolean;
  expr: string;
  /** Each dotted path the condition read, with the value found. */
  values: Record<string, unknown>;
  /** True when the decision was overridden by `--ignore-gates`. */
  ignored?: boolean;
  /** Closed because this upstream stage, which writes the gate's file, was itself skipped. */
  upstream?: string;
}

/** What pipeline.lock records for one stage. */
export interface LockEntry {
  cmd: string[];
  deps: LockPathEntry[];
  params: ParamValues;
  outs: LockPathEntry[];
  gate?: GateDecision;
  /** Set when the stage was last skipped by a closed gate: its inputs then, so that an opening
   *  gate reruns it even though nothing else changed. */
  skipped?: boolean;
}

export interface LockFile {
  schema: string;
  stages: Record<string, LockEntry>;
}
