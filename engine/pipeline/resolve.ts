// The whole pipeline loader without file-system access: text in, validated Pipeline out.
// Steps, in DVC's order: parse → schema → context (params.yaml + vars) → per stage: wdir,
// stage vars, foreach/matrix expansion, interpolation → StageDef → cross-stage checks.
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import type { OutsidePath, Pipeline, SourcePos, StageDef, TopLevelPlot } from '../types.js';
import { toRepoPath } from '../util/paths.js';
import { checkPipeline } from './checks.js';
import { Context } from './context.js';
import type { CtxNode } from './context.js';
import { ErrorSink } from './error-sink.js';
import { ExpansionError, expandForeach, expandMatrix } from './expand.js';
import { ParamsFiles } from './params-files.js';
import type { ReadFile } from './params-files.js';
import { validatePipelineDocument } from './schema.js';
import { buildStage, pathProblem } from './stage.js';
import { scalarToString } from './python-str.js';
import type { MissingParamsPolicy } from './stage.js';
import { Tracker, substitute, substituteToContext } from './substitute.js';
import type { CmdDialect } from './substitute.js';
import { loadDefaultParams, loadVars } from './vars.js';
import { entryOf, parseYamlTree, setOwn, toPlain } from './yaml-tree.js';
import type { YMap, YNode } from './yaml-tree.js';

export interface ResolveInput {
  /** The pipeline file, repository-relative: `pipeline.yaml`, `dvc.yaml`, `sub/dvc.yaml`. */
  file: string;
  text: string;
  /** Reads other repository files (params files, vars files); undefined when absent. */
  readFile: ReadFile;
  /** Absolute repository root, recorded in the result. */
  root?: string;
  /**
   * A declared param whose file or key is missing: an error (default; what `repro` and
   * `status` need), or left out of StageDef.params (for listing stages, as `dvc stage list`).
   */
  missingParams?: MissingParamsPolicy;
  /** Skip the cross-stage checks, as `dvc stage list` does (LoadOptions.listing). */
  listing?: boolean;
  /** Most stages one foreach/matrix group may generate. */
  maxGenerated?: number;
}

const DEFAULT_MAX_GENERATED = 100_000;
/** Fields of the stage itself rather than of what it runs. */
const EXPANSION_KEYS = new Set(['foreach', 'do', 'matrix']);

/** Parse, validate, interpolate and expand a pipeline file. Throws UserError(s) with positions. */
export function resolvePipeline(input: ResolveInput): Pipeline {
  const { file } = input;
  const doc = parseYamlTree(input.text, { file });
  const schemaErrors = validatePipelineDocument(doc, file);
  const sink = new ErrorSink();
  schemaErrors.forEach((e) => sink.add(e));
  sink.throwIfAny();

  const top: YMap = doc?.kind === 'map' ? doc : { kind: 'map', entries: [], pos: { file, line: 1, col: 1 } };
  const dir = posix.dirname(file.replace(/\\/g, '/'));
  const files = new ParamsFiles(input.readFile);
  const ctx = Context.empty();
  const vars = entryOf(top, 'vars')?.value;
  // Without `${` nor `vars` nothing can read params.yaml's values as a whole (a `vars` entry may
  // not redefine one of its keys, so vars need them too).
  loadDefaultParams(ctx, dir, files, vars !== undefined || input.text.includes('${'));
  if (vars) loadVars(ctx, vars, dir, 'vars', files);

  // dvc.yaml is DVC's format and runs DVC's commands; pipeline.yaml quotes values (interpolate.ts).
  const dialect: CmdDialect = posix.basename(file) === 'dvc.yaml' ? 'dvc' : 'safe';
  const resolver = new StageResolver(ctx, dir, files, sink, input.missingParams ?? 'error', input.maxGenerated ?? DEFAULT_MAX_GENERATED, dialect);
  const stages: StageDef[] = [];
  const stagesNode = entryOf(top, 'stages')?.value;
  if (stagesNode?.kind === 'map') {
    for (const entry of stagesNode.entries) {
      sink.attempt(() => stages.push(...resolver.group(entry.key, entry.keyPos, entry.value)));
    }
  }

  const outside: OutsidePath[] = [];
  const pipeline: Pipeline = {
    root: input.root ?? '',
    file,
    stages,
    metrics: sink.attempt(() => topLevelPaths(top, 'metrics', ctx, dir, outside)) ?? [],
    plots: sink.attempt(() => topLevelPlots(top, ctx)) ?? [],
    params: sink.attempt(() => topLevelPaths(top, 'params', ctx, dir, outside)) ?? [],
    artifacts: sink.attempt(() => artifacts(top, ctx)) ?? {},
  };
  if (outside.length > 0) pipeline.outsidePaths = outside;
  // Stages that failed are missing here, which can hide an overlap but never invent one.
  if (input.listing !== true) {
    checkPipeline(stages).forEach((e) => sink.add(e));
    checkPipelineFileNotInOutput(file, stages).forEach((e) => sink.add(e));
  }
  sink.throwIfAny();
  return pipeline;
}

class StageResolver {
  constructor(
    private readonly ctx: Context,
    private readonly dir: string,
    private readonly files: ParamsFiles,
    private readonly sink: ErrorSink,
    private readonly missingParams: MissingParamsPolicy,
    private readonly maxGenerated: number,
    private readonly dialect: CmdDialect,
  ) {}

  /** The stages one `stages:` entry stands for: itself, or what its foreach/matrix generates. */
  group(name: string, pos: SourcePos, def: YNode): StageDef[] {
    if (/[\n\r\0]/.test(name)) throw new UserError('stage names cannot contain newlines or NUL characters', { pos });
    if (name.includes('@')) {
      throw new UserError(`stage name '${name}' cannot contain '@', which separates a foreach/matrix group from its keys`, { pos });
    }
    if (def.kind !== 'map') throw new UserError(`stage '${name}' must be a mapping`, { pos });
    const foreach = entryOf(def, 'foreach');
    const matrix = entryOf(def, 'matrix');
    if (foreach) {
      const body = entryOf(def, 'do')?.value;
      if (body?.kind !== 'map') throw new UserError(`'do' of stage '${name}' must be a stage definition`, { pos: foreach.keyPos });
      const where = `'stages.${name}.foreach'`;
      const data = substituteToContext(foreach.value, { ctx: this.ctx, where });
      const generated = this.expand(() => expandForeach(data), foreach.value.pos, where);
      if (generated.length > this.maxGenerated) {
        throw new UserError(`foreach generates ${generated.length} stages, more than the limit of ${this.maxGenerated}`, { pos: foreach.value.pos });
      }
      return this.each(name, pos, body, generated);
    }
    if (matrix && matrix.value.kind === 'map') {
      const where = `'stages.${name}.matrix'`;
      const axes = matrix.value.entries.map((e) => [e.key, substituteToContext(e.value, { ctx: this.ctx, where })] as const);
      const generated = this.expand(() => expandMatrix(axes, this.maxGenerated), matrix.value.pos, where);
      const body: YMap = { ...def, entries: def.entries.filter((e) => e.key !== 'matrix') };
      return this.each(name, pos, body, generated);
    }
    const stage = this.sink.attempt(() => this.stage(name, pos, def, this.ctx));
    return stage ? [stage] : [];
  }

  private expand<T>(fn: () => T, pos: SourcePos, where: string): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ExpansionError) throw new UserError(`failed to resolve ${where}: ${e.message}`, { pos });
      throw e;
    }
  }

  private each(name: string, pos: SourcePos, body: YMap, generated: ReadonlyArray<{ key: string; vars: Map<string, CtxNode> }>): StageDef[] {
    const stages: StageDef[] = [];
    for (const g of generated) {
      const stage = this.sink.attempt(() => this.stage(`${name}@${g.key}`, pos, body, this.ctx.withReserved(g.vars)));
      if (stage) stages.push(stage);
    }
    return stages;
  }

  /** One concrete stage: wdir, stage vars, interpolation of every field, then StageDef. */
  private stage(name: string, pos: SourcePos, def: YMap, base: Context): StageDef {
    const nested = def.entries.find((e) => EXPANSION_KEYS.has(e.key));
    if (nested) throw new UserError(`'${nested.key}' cannot be used inside a generated stage's definition`, { pos: nested.keyPos });
    let ctx = base;
    const wdirNode = entryOf(def, 'wdir')?.value;
    let wdir = this.dir;
    if (wdirNode && !(wdirNode.kind === 'scalar' && (wdirNode.value === '' || wdirNode.value === null))) {
      const resolved = substitute(wdirNode, 'text', { ctx, where: `'stages.${name}.wdir'` });
      const written = resolved.kind === 'scalar' ? scalarToString(resolved.value, resolved.float) : '';
      const path = pathProblem(written, 'wdir', this.dir);
      if (typeof path !== 'string') {
        throw new UserError(`wdir '${JSON.stringify(written).slice(1, -1)}' of stage '${name}' ${path.message}`, { pos: wdirNode.pos });
      }
      wdir = path;
    }
    const varsNode = entryOf(def, 'vars')?.value;
    if (varsNode) {
      ctx = ctx.child();
      loadVars(ctx, varsNode, wdir, `stages.${name}.vars`, this.files);
    }
    const tracker = new Tracker();
    const entries = def.entries
      .filter((e) => e.key !== 'vars')
      .map((e) => {
        const scope = { ctx, tracker, where: `'stages.${name}.${e.key}'`, dialect: this.dialect };
        return { ...e, value: substitute(e.value, e.key === 'cmd' ? 'cmd' : 'text', scope) };
      });
    const built = buildStage({ ...def, entries }, {
      name,
      pos,
      wdir,
      tracker,
      files: this.files,
      missingParams: this.missingParams,
      sink: this.sink,
    });
    if (wdirNode && wdir !== this.dir) built.wdirPos = wdirNode.pos;
    return built;
  }
}

function topLevelPaths(top: YMap, key: 'metrics' | 'params', ctx: Context, dir: string, outside: OutsidePath[]): string[] {
  const node = entryOf(top, key)?.value;
  if (!node || node.kind !== 'seq') return [];
  const resolved = substitute(node, 'data', { ctx, where: `'${key}'` });
  const paths: string[] = [];
  if (resolved.kind !== 'seq') return paths;
  for (const item of resolved.items) {
    const written = item.kind === 'scalar' ? String(item.value) : '';
    const path = /[\n\r\0]/.test(written) ? undefined : toRepoPath(dir, written);
    if (path === undefined) outside.push({ key, written, pos: item.pos });
    else paths.push(path);
  }
  return paths;
}

function topLevelPlots(top: YMap, ctx: Context): TopLevelPlot[] {
  const node = entryOf(top, 'plots')?.value;
  if (!node || node.kind !== 'seq') return [];
  const plots: TopLevelPlot[] = [];
  node.items.forEach((item, i) => {
    const resolved = substitute(item, 'data', { ctx, where: `'plots.${i}'` });
    if (resolved.kind === 'scalar') plots.push({ id: String(resolved.value), props: {}, pos: resolved.pos });
    else if (resolved.kind === 'map') {
      for (const e of resolved.entries) {
        const props = toPlain(e.value);
        plots.push({ id: e.key, props: props !== null && typeof props === 'object' ? (props as Record<string, unknown>) : {}, pos: e.keyPos });
      }
    }
  });
  return plots;
}

function artifacts(top: YMap, ctx: Context): Record<string, unknown> {
  const node = entryOf(top, 'artifacts')?.value;
  const out: Record<string, unknown> = {};
  if (!node || node.kind !== 'map') return out;
  const resolved = substitute(node, 'data', { ctx, where: `'artifacts'` });
  if (resolved.kind === 'map') for (const e of resolved.entries) setOwn(out, e.key, toPlain(e.value));
  return out;
}

/** DVC refuses a pipeline file that lives inside a stage's output directory. */
function checkPipelineFileNotInOutput(file: string, stages: readonly StageDef[]): UserError[] {
  const errors: UserError[] = [];
  for (const stage of stages) {
    for (const out of stage.outs) {
      if (file !== out.path && file.startsWith(out.path + '/')) {
        errors.push(new UserError(`output '${out.path}' of stage '${stage.name}' contains the pipeline file '${file}'`, { pos: out.pos }));
      }
    }
  }
  return errors;
}
