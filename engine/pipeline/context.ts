// The values `${...}` can see: params files and `vars`, merged the way DVC merges them, plus
// `item`/`key` while a foreach or matrix stage is generated. Every value remembers the params
// file and dotted key it came from, so that a use of it can be recorded as a tracked param.
import type { SourcePos } from '../types.js';
import type { ScalarValue, YMap, YNode } from './yaml-tree.js';
import { setOwn } from './yaml-tree.js';
import { didYouMean } from './suggest.js';

export interface Origin {
  /** Repository-relative params file, or undefined for values written inline (never tracked). */
  file?: string;
  /** Where the value came from, for messages: `params.yaml`, `vars[0]`, `stages.train.vars[1]`. */
  label: string;
  /** Dotted path inside its source (`train.lr`, `langs.0`). */
  path: string;
}

export type CtxNode =
  | { kind: 'scalar'; value: ScalarValue; float: boolean; origin: Origin }
  | { kind: 'seq'; items: CtxNode[]; origin: Origin }
  | { kind: 'map'; entries: Map<string, CtxNode>; origin: Origin };

export type CtxMap = Extract<CtxNode, { kind: 'map' }>;

/** Lookup of a name that is not in the context; `hint` says what was meant or what is missing. */
export class KeyNotFound extends Error {
  constructor(
    readonly expr: string,
    hint?: string,
  ) {
    super(`Could not find '${expr}'${hint ?? ''}`);
  }
}

/** Two sources define the same non-mapping value. */
export class ContextConflict extends Error {}

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Context values for a YNode read from `origin` (a params file or an inline mapping). */
export function ctxFromYNode(node: YNode, origin: Origin): CtxNode {
  switch (node.kind) {
    case 'scalar':
      return { kind: 'scalar', value: node.value, float: node.float, origin };
    case 'seq':
      return {
        kind: 'seq',
        items: node.items.map((item, i) => ctxFromYNode(item, { ...origin, path: childPath(origin.path, String(i)) })),
        origin,
      };
    case 'map': {
      const entries = new Map<string, CtxNode>();
      for (const e of node.entries) entries.set(e.key, ctxFromYNode(e.value, { ...origin, path: childPath(origin.path, e.key) }));
      return { kind: 'map', entries, origin };
    }
  }
}

/** A mapping read from `origin`, ready to merge into a Context. */
export function ctxFromYMap(node: YMap, origin: Origin): CtxMap {
  return ctxFromYNode(node, origin) as CtxMap;
}

/** A context value placed back into the pipeline tree at `pos` (where the `${}` was written). */
export function ctxToYNode(node: CtxNode, pos: SourcePos): YNode {
  switch (node.kind) {
    case 'scalar':
      return { kind: 'scalar', value: node.value, float: node.float, pos };
    case 'seq':
      return { kind: 'seq', items: node.items.map((i) => ctxToYNode(i, pos)), pos };
    case 'map':
      return {
        kind: 'map',
        entries: [...node.entries].map(([key, value]) => ({ key, keyPos: pos, value: ctxToYNode(value, pos) })),
        pos,
      };
  }
}

export function ctxToPlain(node: CtxNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(ctxToPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) setOwn(out, k, ctxToPlain(v));
      return out;
    }
  }
}

/** Python's type name, as DVC's messages use it. */
export function pythonTypeName(node: CtxNode): string {
  if (node.kind === 'map') return 'dict';
  if (node.kind === 'seq') return 'list';
  const v = node.value;
  if (v === null) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  return node.float || !Number.isInteger(v) ? 'float' : 'int';
}

function mergeNodes(into: CtxNode, update: CtxNode, path: string): CtxNode {
  if (into.kind !== 'map' || update.kind !== 'map') {
    throw new ContextConflict(
      `cannot redefine '${path}' from '${update.origin.label}' as it already exists in '${into.origin.label}'`,
    );
  }
  const entries = new Map(into.entries);
  for (const [key, value] of update.entries) {
    const existing = entries.get(key);
    entries.set(key, existing ? mergeNodes(existing, value, childPath(path, key)) : value);
  }
  return { kind: 'map', entries, origin: into.origin };
}

/**
 * A layer of names over an optional parent layer. Layers keep generating thousands of foreach
 * stages cheap: each one adds `item`/`key` on top instead of copying the whole context.
 */
export class Context {
  private readonly names = new Map<string, CtxNode>();
  /** Top-level names of a large params file, read only when looked up (see mergeLazy). */
  private readonly lazy = new Map<string, () => CtxNode | undefined>();
  /** Params files merged into this context: null = whole file, else the keys taken. */
  readonly imports: Map<string, string[] | null>;
  private readonly reserved: Set<string>;
  /** The default params file, when it does not exist: a name not found is then most likely in it. */
  private absentParamsFile: string | undefined;

  private constructor(private readonly parent: Context | undefined) {
    this.imports = new Map(parent?.imports);
    this.reserved = new Set(parent?.reserved);
    this.absentParamsFile = parent?.absentParamsFile;
  }

  /** Record that the default params file `path` does not exist, for the message of a name not found. */
  noteAbsentParamsFile(path: string): void {
    this.absentParamsFile = path;
  }

  /** Every top-level name visible from this layer. */
  private topNames(): Set<string> {
    const names = new Set(this.parent?.topNames());
    for (const k of this.names.keys()) names.add(k);
    return names;
  }

  static empty(): Context {
    return new Context(undefined);
  }

  /** A new layer whose changes do not affect this one. */
  child(): Context {
    return new Context(this);
  }

  /** A new layer with `values` set (overriding any same names) and reserved against `vars`. */
  withReserved(values: ReadonlyMap<string, CtxNode>): Context {
    const layer = new Context(this);
    for (const [k, v] of values) {
      layer.names.set(k, v);
      layer.reserved.add(k);
    }
    return layer;
  }

  get(name: string): CtxNode | undefined {
    return this.names.get(name) ?? this.materialize(name) ?? this.parent?.get(name);
  }

  private materialize(name: string): CtxNode | undefined {
    const load = this.lazy.get(name);
    if (!load) return undefined;
    this.lazy.delete(name);
    const value = load();
    if (value) this.names.set(name, value);
    return value;
  }

  /** Follow `segments` (from a parsed `${...}`); throws KeyNotFound naming `expr`. */
  select(segments: readonly string[], expr: string): CtxNode {
    let node = this.get(segments[0]!);
    if (!node) throw new KeyNotFound(expr.trim(), this.hintFor([], segments[0]!, [...this.topNames()]));
    for (let i = 1; i < segments.length; i++) {
      const seg = segments[i]!;
      const parent: CtxNode = node;
      if (parent.kind === 'map') node = parent.entries.get(seg);
      else if (parent.kind === 'seq') node = /^\d+$/.test(seg) ? parent.items[Number(seg)] : undefined;
      else node = undefined;
      if (!node) {
        const siblings = parent.kind === 'map' ? [...parent.entries.keys()] : [];
        throw new KeyNotFound(expr.trim(), this.hintFor(segments.slice(0, i), seg, siblings));
      }
    }
    return node;
  }

  /** "; did you mean 'train.lr'?" for a typo, else a note that the params file is missing. */
  private hintFor(prefix: readonly string[], missing: string, siblings: readonly string[]): string | undefined {
    const near = didYouMean(missing, siblings);
    if (near !== undefined) return `; did you mean '${[...prefix, near].join('.')}'?`;
    if (prefix.length === 0 && this.absentParamsFile !== undefined) {
      return `: the params file ${this.absentParamsFile} does not exist`;
    }
    return undefined;
  }

  /**
   * Merge the top-level `keys` of a source whose values are built only when first looked up:
   * a 50 MB params file costs what `${}` uses of it, not a context node per value. A key that
   * clashes with one already here is merged at once, by merge's rules.
   */
  mergeLazy(keys: readonly string[], load: (key: string) => CtxNode | undefined): void {
    this.refuseReserved(keys);
    for (const key of keys) {
      const existing = this.get(key);
      if (!existing) {
        this.lazy.set(key, () => load(key));
        continue;
      }
      const value = load(key);
      if (value) this.names.set(key, mergeNodes(existing, value, key));
    }
  }

  private refuseReserved(keys: Iterable<string>): void {
    const clash = [...keys].filter((k) => this.reserved.has(k));
    if (clash.length > 0) {
      throw new ContextConflict(`attempted to modify reserved key${clash.length > 1 ? 's' : ''} ${clash.map((k) => `'${k}'`).join(', ')}`);
    }
  }

  /** Merge a mapping's entries in (nested mappings merge; any other clash is a conflict). */
  merge(mapping: CtxMap): void {
    this.refuseReserved(mapping.entries.keys());
    for (const [key, value] of mapping.entries) {
      const existing = this.get(key);
      this.names.set(key, existing ? mergeNodes(existing, value, key) : value);
    }
  }
}
