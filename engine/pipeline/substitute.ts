// Applies `${...}` interpolation (syntax and quoting rules in interpolate.ts) to parts of the
// pipeline tree, and records which params-file values a stage used.
import { UserError } from '../errors.js';
import type { SourcePos } from '../types.js';
import type { CtxMap, CtxNode, Context } from './context.js';
import { KeyNotFound, ctxFromYNode, ctxToPlain, ctxToYNode, pythonTypeName } from './context.js';
import { InterpolationError, assemble, findPlaceholders, isWholeValue, pythonShlexQuote, shellContexts, shellQuoteIn, unescapeLiteral } from './interpolate.js';
import type { Placeholder } from './interpolate.js';
import { pythonStr, scalarToString } from './python-str.js';
import type { YNode, YScalar } from './yaml-tree.js';

/**
 * How a field treats values:
 * - `cmd`: always text; values shell-quoted unless `${raw:}`; a mapping unpacks into options.
 * - `text`: a whole `${x}` keeps the value's scalar type; lists and mappings are refused.
 * - `data`: any value (foreach, matrix, top-level sections).
 */
export type FieldKind = 'cmd' | 'text' | 'data';

/** Params-file values a stage read through `${...}`: file → dotted key → value. */
export class Tracker {
  readonly used = new Map<string, Map<string, unknown>>();

  record(node: CtxNode): void {
    // Like DVC: scalars and lists are tracked; a whole mapping is not.
    if (!node.origin.file || node.kind === 'map') return;
    let keys = this.used.get(node.origin.file);
    if (!keys) this.used.set(node.origin.file, (keys = new Map()));
    if (!keys.has(node.origin.path)) keys.set(node.origin.path, ctxToPlain(node));
  }
}

/**
 * How `cmd` values become text: 'safe' (pipeline.yaml) shell-quotes each value for the place it
 * lands and knows `${raw:}`; 'dvc' (a file named dvc.yaml) inserts values as they are, exactly
 * as DVC does, so the command run is the one DVC would run.
 */
export type CmdDialect = 'safe' | 'dvc';

export interface Scope {
  ctx: Context;
  tracker?: Tracker;
  /** Names the field in messages: `'stages.train.cmd'`. */
  where: string;
  /** 'safe' when absent. */
  dialect?: CmdDialect;
}

function fail(scope: Scope, pos: SourcePos, message: string): never {
  throw new UserError(`failed to interpolate ${scope.where}: ${message}`, { pos });
}

function lookup(scope: Scope, p: Placeholder, pos: SourcePos): CtxNode {
  try {
    const node = scope.ctx.select(p.segments, p.expr);
    scope.tracker?.record(node);
    return node;
  } catch (e) {
    if (e instanceof KeyNotFound) fail(scope, pos, e.message);
    throw e;
  }
}

function placeholdersOf(scope: Scope, text: string, pos: SourcePos): Placeholder[] {
  try {
    return findPlaceholders(text);
  } catch (e) {
    if (e instanceof InterpolationError) fail(scope, pos, e.message);
    throw e;
  }
}

/** Resolve every string in `node` (mapping keys too, as DVC does). */
export function substitute(node: YNode, kind: FieldKind, scope: Scope): YNode {
  switch (node.kind) {
    case 'scalar':
      return typeof node.value === 'string' ? substituteString(node, node.value, kind, scope) : node;
    case 'seq':
      return { ...node, items: node.items.map((item) => substitute(item, kind, scope)) };
    case 'map':
      return {
        ...node,
        entries: node.entries.map((e) => ({
          key: substituteKey(e.key, e.keyPos, scope),
          keyPos: e.keyPos,
          value: substitute(e.value, kind, scope),
        })),
      };
  }
}

function substituteKey(key: string, pos: SourcePos, scope: Scope): string {
  const resolved = substituteString({ kind: 'scalar', value: key, float: false, pos }, key, 'text', scope);
  return resolved.kind === 'scalar' ? scalarToString(resolved.value, resolved.float) : key;
}

function substituteString(node: YScalar, text: string, kind: FieldKind, scope: Scope): YNode {
  const placeholders = placeholdersOf(scope, text, node.pos);
  if (placeholders.length === 0) {
    const unescaped = unescapeLiteral(text);
    return unescaped === text ? node : { ...node, value: unescaped };
  }
  if (kind !== 'cmd' && isWholeValue(text, placeholders)) {
    const value = lookup(scope, placeholders[0]!, node.pos);
    if (kind === 'text' && value.kind !== 'scalar') fail(scope, node.pos, `Cannot interpolate data of type '${pythonTypeName(value)}'`);
    const placed = ctxToYNode(value, node.pos);
    return placed.kind === 'scalar' && node.contentPos ? { ...placed, contentPos: node.contentPos } : placed;
  }
  if (kind === 'cmd' && scope.dialect === 'dvc') {
    const pieces = placeholders.map((p) => dvcCmdText(lookup(scope, p, node.pos), scope, node.pos));
    return { ...node, value: assemble(text, placeholders, pieces), float: false };
  }
  const contexts = kind === 'cmd' ? shellContexts(text, placeholders) : [];
  const pieces = placeholders.map((p, i) => {
    const context = contexts[i];
    // Values are quoted for the place they land in (outside quotes, in "…", in '…').
    const quote = kind !== 'cmd' || p.raw || context === undefined
      ? (v: string) => v
      : (v: string) => shellQuoteIn(context, v) ?? fail(scope, node.pos, `the value of '\${${p.expr}}' cannot be quoted safely inside backquotes; use $(...) instead`);
    return valueAsText(lookup(scope, p, node.pos), quote, kind, scope, node.pos);
  });
  return { ...node, value: assemble(text, placeholders, pieces), float: false };
}

function valueAsText(value: CtxNode, quote: (text: string) => string, kind: FieldKind, scope: Scope, pos: SourcePos): string {
  if (value.kind === 'scalar') return quote(scalarToString(value.value, value.float));
  if (value.kind === 'map' && kind === 'cmd') return mappingAsOptions(value, { flag: quote, text: quote }, scope, pos);
  return fail(scope, pos, `Cannot interpolate data of type '${pythonTypeName(value)}'`);
}

/** DVC's to_str in a command: scalars as they are, a mapping as options (its strings shlex-quoted). */
function dvcCmdText(value: CtxNode, scope: Scope, pos: SourcePos): string {
  if (value.kind === 'scalar') return scalarToString(value.value, value.float);
  if (value.kind === 'map') return mappingAsOptions(value, { flag: (v) => v, text: pythonShlexQuote }, scope, pos);
  return fail(scope, pos, `Cannot interpolate data of type '${pythonTypeName(value)}'`);
}

/**
 * DVC's unpacking of a mapping into command-line options (its defaults: booleans as store_true
 * flags, lists as nargs). Nested mappings are flattened with dotted keys.
 */
function mappingAsOptions(map: CtxMap, quoting: { flag: (text: string) => string; text: (text: string) => string }, scope: Scope, pos: SourcePos): string {
  const q = quoting.text;
  const parts: string[] = [];
  const walk = (node: CtxMap, prefix: string): void => {
    for (const [key, value] of node.entries) {
      const name = prefix === '' ? key : `${prefix}.${key}`;
      const flag = quoting.flag(`--${name}`);
      if (value.kind === 'map') {
        walk(value, name);
      } else if (value.kind === 'seq') {
        value.items.forEach((item, i) => {
          if (item.kind !== 'scalar') fail(scope, pos, `Cannot interpolate nested iterable in '${name}'`);
          const text = typeof item.value === 'string' ? q(item.value) : pythonStr(item.value, item.float);
          parts.push(i === 0 ? `${flag} ${text}` : text);
        });
      } else if (typeof value.value === 'boolean') {
        if (value.value) parts.push(flag);
      } else if (typeof value.value === 'string') {
        parts.push(`${flag} ${q(value.value)}`);
      } else {
        parts.push(`${flag} ${pythonStr(value.value, value.float)}`);
      }
    }
  };
  walk(map, '');
  return parts.join(' ');
}

/**
 * Resolve foreach/matrix data into context values, keeping where looked-up values came from
 * (so `${item.x}` in a generated stage is tracked as the params key it really is).
 */
export function substituteToContext(node: YNode, scope: Scope): CtxNode {
  const inline = { label: scope.where, path: '' };
  if (node.kind === 'scalar' && typeof node.value === 'string') {
    const placeholders = placeholdersOf(scope, node.value, node.pos);
    if (isWholeValue(node.value, placeholders)) return lookup(scope, placeholders[0]!, node.pos);
    const resolved = substitute(node, 'text', scope);
    return ctxFromYNode(resolved, inline);
  }
  if (node.kind === 'seq') {
    return { kind: 'seq', items: node.items.map((item) => substituteToContext(item, scope)), origin: inline };
  }
  if (node.kind === 'map') {
    const entries = new Map<string, CtxNode>();
    for (const e of node.entries) entries.set(substituteKey(e.key, e.keyPos, scope), substituteToContext(e.value, scope));
    return { kind: 'map', entries, origin: inline };
  }
  return ctxFromYNode(node, inline);
}
