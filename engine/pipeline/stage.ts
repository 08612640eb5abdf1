// One stage, already interpolated, turned into a StageDef: repository-relative paths checked,
// output flags with DVC's defaults, params resolved to their values.
import { UserError } from '../errors.js';
import type { DepSpec, GateSpec, OutKind, OutSpec, ParamSource, ParamValues, PlotProps, SourcePos, StageDef, StageResources } from '../types.js';
import { isSameOrInside, isUrlPath, toPipelinePath } from '../util/paths.js';
export { isUrlPath };
import type { ErrorSink } from './error-sink.js';
import { lookupParam, nearestParam, topKeyOf } from './params-files.js';
import type { ParamsFiles } from './params-files.js';
import { scalarToString } from './python-str.js';
import type { Tracker } from './substitute.js';
import { DEFAULT_PARAMS_FILE } from './vars.js';
import { entryOf, setOwn, toPlain } from './yaml-tree.js';
import type { YMap, YNode } from './yaml-tree.js';

/** What to do with a declared param whose file or key is missing. */
export type MissingParamsPolicy = 'error' | 'omit';

export interface StageContext {
  name: string;
  /** Position of the stage's key. */
  pos: SourcePos;
  /** Repository-relative working directory. */
  wdir: string;
  tracker: Tracker;
  files: ParamsFiles;
  missingParams: MissingParamsPolicy;
  sink: ErrorSink;
}

/** Directories an output must never be in: the repository's own state. */
const PROTECTED = ['.git', '.dvc-ts'];


/** A stage with its `${}` already resolved → StageDef. Problems go to `sc.sink`. */
export function buildStage(stage: YMap, sc: StageContext): StageDef {
  const field = (key: string): YNode | undefined => entryOf(stage, key)?.value;
  const cmdNode = field('cmd');
  const cmd = cmdNode === undefined ? [] : cmdNode.kind === 'seq' ? cmdNode.items.map((n) => text(n, sc, 'cmd')) : [text(cmdNode, sc, 'cmd')];
  const def: StageDef = {
    name: sc.name,
    cmd,
    wdir: sc.wdir,
    deps: deps(field('deps'), sc),
    outs: [...outs(field('outs'), 'out', sc), ...outs(field('metrics'), 'metric', sc), ...outs(field('plots'), 'plot', sc)],
    params: {},
    frozen: isTrue(field('frozen')),
    alwaysChanged: isTrue(field('always_changed')),
    pos: sc.pos,
  };
  const declared = params(field('params'), sc);
  def.params = declared.values;
  if (declared.sources.length > 0) def.paramSources = declared.sources;
  if (declared.missing.length > 0) def.paramsMissing = declared.missing;
  const when = field('when');
  if (when) {
    const gate = gateOf(when, sc);
    if (gate) def.when = gate;
  }
  const resources = field('resources');
  if (resources?.kind === 'map') def.resources = toPlain(resources) as StageResources;
  const desc = field('desc');
  if (desc) def.desc = text(desc, sc, 'desc');
  const meta = field('meta');
  if (meta) def.meta = toPlain(meta);
  return def;
}

function isTrue(node: YNode | undefined): boolean {
  return node?.kind === 'scalar' && node.value === true;
}

function text(node: YNode, sc: StageContext, what: string): string {
  if (node.kind === 'scalar') return scalarToString(node.value, node.float);
  sc.sink.add(new UserError(`'${what}' of stage '${sc.name}' must be text`, { pos: node.pos }));
  return '';
}

type PathRole = 'dependency' | 'output' | 'gate file' | 'params file' | 'wdir';

/** Written path → repository-relative path, or undefined (with an error recorded). */
function repoPath(written: string, role: PathRole, pos: SourcePos, sc: StageContext): string | undefined {
  const problem = pathProblem(written, role, sc.wdir);
  if (typeof problem === 'string') return problem;
  sc.sink.add(new UserError(`${role} '${printable(written)}' of stage '${sc.name}' ${problem.message}`, { pos }));
  return undefined;
}

/** The repository path for `written`, or why it is refused. */
export function pathProblem(written: string, role: PathRole, wdir: string): string | { message: string } {
  if (written === '') return { message: 'is empty' };
  if (/[\n\r\0]/.test(written)) return { message: 'contains a newline or NUL character' };
  if (isUrlPath(written)) {
    return role === 'dependency' ? written : { message: 'must be a path inside the repository, not a URL' };
  }
  // A path leaving the repository is kept: deps and params files may (DVC reads them there);
  // for outs, gate files and wdirs the commands that run stages refuse it (pipeline/runnable.ts),
  // while listing commands still describe the pipeline as DVC does.
  const path = toPipelinePath(wdir, written);
  if (path === undefined) return { message: 'is outside the repository' };
  if (role === 'output') {
    if (path === '.') return { message: 'cannot be the whole repository' };
    const protectedDir = PROTECTED.find((p) => isSameOrInside(path, p));
    if (protectedDir) return { message: `is inside '${protectedDir}', which holds the repository's own state` };
  }
  return path;
}

function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** `- path` and `- path: {flags}` entries of a list field, flags as a map node (or null). */
function pathEntries(node: YNode | undefined): Array<{ written: string; pos: SourcePos; flags: YMap | null }> {
  if (!node || node.kind !== 'seq') return [];
  const out: Array<{ written: string; pos: SourcePos; flags: YMap | null }> = [];
  for (const item of node.items) {
    if (item.kind === 'scalar') out.push({ written: scalarToString(item.value, item.float), pos: item.pos, flags: null });
    else if (item.kind === 'map') {
      for (const e of item.entries) out.push({ written: e.key, pos: e.keyPos, flags: e.value.kind === 'map' ? e.value : null });
    }
  }
  return out;
}

function flag(flags: YMap | null, key: string): unknown {
  const node = entryOf(flags, key)?.value;
  return node === undefined ? undefined : toPlain(node);
}

function deps(node: YNode | undefined, sc: StageContext): DepSpec[] {
  const result: DepSpec[] = [];
  const seen = new Set<string>();
  for (const entry of pathEntries(node)) {
    const path = repoPath(entry.written, 'dependency', entry.pos, sc);
    if (path === undefined) continue;
    const previous = flag(entry.flags, 'previous') === true;
    const id = `${previous ? 'p' : 'c'}:${path}`;
    if (seen.has(id)) continue;
    seen.add(id);
    result.push(previous ? { path, previous: true, pos: entry.pos } : { path, pos: entry.pos });
  }
  return result;
}

function outs(node: YNode | undefined, kind: OutKind, sc: StageContext): OutSpec[] {
  // The same path twice in one list is one output whose flags merge (DVC does the same).
  const byPath = new Map<string, OutSpec>();
  for (const entry of pathEntries(node)) {
    const path = repoPath(entry.written, 'output', entry.pos, sc);
    if (path === undefined) continue;
    let spec = byPath.get(path);
    if (!spec) {
      spec = { path, kind, cache: true, persist: false, push: true, pos: entry.pos };
      byPath.set(path, spec);
    }
    applyOutFlags(spec, entry.flags);
  }
  return [...byPath.values()];
}

function applyOutFlags(spec: OutSpec, flags: YMap | null): void {
  if (!flags) return;
  const cache = flag(flags, 'cache');
  if (typeof cache === 'boolean') spec.cache = cache;
  const persist = flag(flags, 'persist');
  if (typeof persist === 'boolean') spec.persist = persist;
  const push = flag(flags, 'push');
  if (typeof push === 'boolean') spec.push = push;
  const desc = flag(flags, 'desc');
  if (desc !== undefined && desc !== null) spec.desc = String(desc);
  if (spec.kind !== 'plot') return;
  const plot: PlotProps = { ...spec.plot };
  for (const key of ['x', 'template', 'title', 'x_label', 'y_label'] as const) {
    const v = flag(flags, key);
    if (v !== undefined && v !== null) plot[key] = String(v);
  }
  const y = flag(flags, 'y');
  if (typeof y === 'string') plot.y = y;
  else if (Array.isArray(y)) plot.y = y.map(String);
  const header = flag(flags, 'header');
  if (typeof header === 'boolean') plot.header = header;
  if (Object.keys(plot).length > 0) spec.plot = plot;
}

interface ParamRequest {
  whole: boolean;
  keys: Array<{ key: string; pos: SourcePos }>;
  /** Where the file was named (its first mention). */
  pos: SourcePos;
}

interface DeclaredParams {
  values: ParamValues;
  sources: ParamSource[];
  /** Declared params files that do not exist (yet): an earlier stage may write them. */
  missing: string[];
}

function params(node: YNode | undefined, sc: StageContext): DeclaredParams {
  const requests = new Map<string, ParamRequest>();
  const defaultFile = toPipelinePath(sc.wdir, DEFAULT_PARAMS_FILE)!;
  const request = (file: string, pos: SourcePos): ParamRequest => {
    let r = requests.get(file);
    if (!r) requests.set(file, (r = { whole: false, keys: [], pos }));
    return r;
  };
  if (node?.kind === 'seq') {
    for (const item of node.items) {
      if (item.kind === 'scalar') {
        request(defaultFile, item.pos).keys.push({ key: scalarToString(item.value, item.float), pos: item.pos });
      } else if (item.kind === 'map') {
        for (const e of item.entries) {
          const file = repoPath(e.key, 'params file', e.keyPos, sc);
          if (file === undefined) continue;
          const r = request(file, e.keyPos);
          if (e.value.kind === 'seq' && e.value.items.length > 0) {
            for (const k of e.value.items) r.keys.push({ key: k.kind === 'scalar' ? scalarToString(k.value, k.float) : '', pos: k.pos });
          } else {
            r.whole = true;
          }
        }
      }
    }
  }
  const values: ParamValues = {};
  const missing: string[] = [];
  const into = (file: string): Record<string, unknown> => values[file] ?? (values[file] = {});
  for (const [file, req] of requests) {
    const tree = sc.sink.attempt(() => loadParamsFile(file, req, sc));
    if (tree === undefined) {
      // Not an error here: a stage may produce it (a tuning stage writing best.yaml). The stage
      // is stale until it exists, and running it without it fails (engine/stage/decide.ts).
      missing.push(file);
      continue;
    }
    const target = into(file);
    if (req.whole) {
      for (const e of tree.entries) setOwn(target, e.key, toPlain(e.value));
      continue;
    }
    for (const { key, pos } of req.keys) {
      const found = lookupParam(tree, key);
      if (found) setOwn(target, key, toPlain(found));
      else if (sc.missingParams === 'error') {
        const near = nearestParam(tree, key);
        const hint = near === undefined ? '' : `; did you mean '${near}'?`;
        sc.sink.add(new UserError(`param '${key}' of stage '${sc.name}' not found in '${file}'${hint}`, { pos }));
      }
    }
  }
  // Values used through ${...} count as params too, unless a declared entry already covers them.
  for (const [file, used] of sc.tracker.used) {
    if (requests.get(file)?.whole) continue;
    const declared = values[file];
    for (const [key, value] of used) {
      if (declared && coveredBy(key, declared)) continue;
      setOwn(into(file), key, value);
    }
  }
  const sources = [...requests].map(([file, req]): ParamSource => ({ file, keys: req.whole ? null : req.keys.map((k) => k.key) }));
  return { values, sources, missing };
}

/** A params file's tree; an unreadable one is an error at the pipeline line naming it. */
function loadParamsFile(file: string, req: ParamRequest, sc: StageContext): ReturnType<ParamsFiles['load']> {
  try {
    return sc.files.load(file, req.whole ? undefined : req.keys.map((k) => topKeyOf(k.key)));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // Listing reads no params (as `dvc stage list`): a broken file matters to the commands that use it.
    if (sc.missingParams === 'omit') return undefined;
    const inFile = e.pos ? [`in ${e.pos.file}:${e.pos.line}:${e.pos.col}`] : [];
    throw new UserError(`params file '${file}' of stage '${sc.name}': ${e.message}`, { pos: req.pos, details: [...inFile, ...e.details] });
  }
}

function coveredBy(key: string, declared: Record<string, unknown>): boolean {
  const parts = key.split('.');
  for (let i = 1; i <= parts.length; i++) {
    if (Object.prototype.hasOwnProperty.call(declared, parts.slice(0, i).join('.'))) return true;
  }
  return false;
}

function gateOf(node: YNode, sc: StageContext): GateSpec | undefined {
  if (node.kind !== 'map') return undefined;
  const ifNode = entryOf(node, 'if')?.value;
  const fileNode = entryOf(node, 'file');
  const filesNode = entryOf(node, 'files');
  if (!ifNode || ifNode.kind !== 'scalar') {
    sc.sink.add(new UserError(`'when' of stage '${sc.name}' needs an 'if' condition`, { pos: node.pos }));
    return undefined;
  }
  if ((fileNode === undefined) === (filesNode === undefined)) {
    sc.sink.add(new UserError(`'when' of stage '${sc.name}' needs exactly one of 'file' or 'files'`, { pos: node.pos }));
    return undefined;
  }
  const files: Record<string, string> = {};
  const filePos: Record<string, SourcePos> = {};
  const add = (alias: string, value: YNode): void => {
    const written = value.kind === 'scalar' ? scalarToString(value.value, value.float) : '';
    const path = repoPath(written, 'gate file', value.pos, sc);
    if (path === undefined) return;
    setOwn(files as Record<string, unknown>, alias, path);
    setOwn(filePos as Record<string, unknown>, alias, value.pos);
  };
  if (fileNode) add('', fileNode.value);
  else if (filesNode && filesNode.value.kind === 'map') {
    for (const e of filesNode.value.entries) {
      if (e.key === '') sc.sink.add(new UserError(`'when.files' of stage '${sc.name}' has an empty alias`, { pos: e.keyPos }));
      else add(e.key, e.value);
    }
  }
  return { expr: scalarToString(ifNode.value, ifNode.float), files, filePos, pos: ifNode.contentPos ?? ifNode.pos };
}
