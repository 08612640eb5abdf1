// `-S key=value` for experiments: parsing (values typed as YAML reads them), grids (several
// values for a key, several keys: their cartesian product) and applying a set of values to a
// params file's text with its comments and layout kept. Pure: text in, text out.
import { Document, isCollection, isMap, isNode, isScalar, isSeq, parse, parseDocument, type Node } from 'yaml';
import { UserError } from '../errors.js';
import { DEFAULT_PARAMS_FILE } from '../pipeline/vars.js';
import { expandRange, sweepCall } from './sweep.js';

/** A params value as YAML types it (`0.1` a number, `true` a boolean, `[1, 2]` a list…). */
export type ParamValue = null | boolean | number | string | ParamValue[] | { [key: string]: ParamValue };

/** One `-S` option: a key of a params file and the values the grid takes for it. */
export interface ParamAxis {
  file: string;
  /** Dotted key inside the file (`train.lr`). */
  key: string;
  values: ParamValue[];
  /** `+key=…`: the key may be new to the file. */
  add: boolean;
}

/** One point of a grid: file → dotted key → value. */
export type ParamOverrides = Record<string, Record<string, ParamValue>>;

/**
 * Split at commas that are outside brackets, braces and quotes, so `-S train.l2=[0.1,0.2]` is
 * one list value while `-S train.lr=0.1,0.5` is two values.
 */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function yamlValue(text: string, option: string): ParamValue {
  try {
    // A value typed on the command line is one YAML flow value: `0.1`, `true`, `[1, 2]`, `'a,b'`.
    return (parse(text.trim() === '' ? "''" : text) ?? null) as ParamValue;
  } catch (e) {
    throw new UserError(`-S ${option}: ${JSON.stringify(text)} is not a YAML value (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Parse one `-S [file:]key=value[,value…]` option. The file defaults to params.yaml; a leading
 * `+` lets the key be new to the file.
 */
export function parseSetOption(option: string, defaultFile = DEFAULT_PARAMS_FILE): ParamAxis {
  const eq = option.indexOf('=');
  if (eq <= 0) throw new UserError(`-S ${option}: expected key=value (e.g. -S train.lr=0.1 or -S train.lr=0.1,0.5)`);
  let target = option.slice(0, eq).trim();
  const add = target.startsWith('+');
  if (add) target = target.slice(1);
  const colon = target.lastIndexOf(':');
  const file = colon > 0 ? target.slice(0, colon) : defaultFile;
  const key = colon > 0 ? target.slice(colon + 1) : target;
  if (key === '' || key.split('.').some((part) => part === '')) throw new UserError(`-S ${option}: '${key}' is not a dotted key (e.g. train.lr)`);
  if (file.startsWith('/') || file.split('/').includes('..')) throw new UserError(`-S ${option}: the params file must be inside the repository`);
  // Hydra's sweeps, as DVC reads `-S`: `a,b`, `choice(a,b)`, `range(start,stop[,step])`.
  const call = sweepCall(option.slice(eq + 1));
  const values = call?.fn === 'range' ? expandRange(call.args, option) : splitTopLevel(call ? call.args : option.slice(eq + 1)).map((v) => yamlValue(v, option));
  return { file, key, values, add };
}

/** Every combination of the axes' values, the first axis varying slowest (pure). */
export function expandGrid(axes: readonly ParamAxis[]): ParamOverrides[] {
  const seen = new Map<string, ParamAxis>();
  for (const axis of axes) {
    const id = `${axis.file}:${axis.key}`;
    if (seen.has(id)) throw new UserError(`-S ${axis.key} is given twice: put every value in one option (-S ${axis.key}=a,b,c)`);
    seen.set(id, axis);
  }
  let points: ParamOverrides[] = [{}];
  for (const axis of axes) {
    const next: ParamOverrides[] = [];
    for (const point of points) {
      for (const value of axis.values) {
        const copy: ParamOverrides = {};
        for (const [f, kv] of Object.entries(point)) copy[f] = { ...kv };
        (copy[axis.file] ??= {})[axis.key] = value;
        next.push(copy);
      }
    }
    points = next;
  }
  return axes.length === 0 ? [{}] : points;
}

/** Keys that may be added (`+key`) per file, for applyOverrides. */
export function addableKeys(axes: readonly ParamAxis[]): Set<string> {
  return new Set(axes.filter((a) => a.add).map((a) => `${a.file}:${a.key}`));
}

/** The check every set key passes first: it exists, or may be added; its parent is a section. */
function checkKey(doc: Document.Parsed, file: string, key: string, addable: ReadonlySet<string>): void {
  const path = key.split('.');
  const exists = doc.getIn(path, true) !== undefined || doc.hasIn(path);
  if (!exists && !addable.has(`${file}:${key}`)) {
    throw new UserError(`-S ${key}: ${file} has no key '${key}'`, { details: [`to add a new key, write -S +${key}=…`] });
  }
  const parentPath = path.slice(0, -1);
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (parent !== undefined && parent !== null && !isMap(parent) && !isSeq(parent)) {
    throw new UserError(`-S ${key}: '${parentPath.join('.')}' in ${file} is a value, not a section`);
  }
}

/** Whether the file writes its flow collections `[ a, b ]` (padded) rather than `[a, b]`. */
function usesFlowPadding(text: string): boolean {
  return /[[{] [^\s\]}]/.test(text) && !/[[{][^\s\]}]/.test(text.replace(/#.*$/gm, ''));
}

/** A value as inline YAML, in the quoting style `like` had (strings) and flow style (collections). */
function inlineYaml(value: ParamValue, like: Node, padding: boolean): string {
  const doc = new Document(value);
  const node = doc.contents;
  if (isScalar(node) && typeof value === 'string') {
    // A block scalar would need the key's indentation: multi-line text is written quoted.
    if (value.includes('\n')) node.type = 'QUOTE_DOUBLE';
    else if (isScalar(like) && (like.type === 'QUOTE_DOUBLE' || like.type === 'QUOTE_SINGLE')) node.type = like.type;
  }
  if (isCollection(node)) node.flow = true;
  return doc.toString({ flowCollectionPadding: padding, lineWidth: 0 }).trimEnd();
}

/**
 * The text with each key's value replaced where it stands, every other byte kept; undefined
 * when some key has no inline value to replace (a new key, a block list or section).
 */
function replaceInPlace(doc: Document.Parsed, text: string, values: Record<string, ParamValue>): string | undefined {
  const padding = usesFlowPadding(text);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const [key, value] of Object.entries(values)) {
    const node = doc.getIn(key.split('.'), true);
    if (!isNode(node) || !node.range || (isCollection(node) && !node.flow)) return undefined;
    const [start, end] = node.range;
    // An empty value (`key:`) has nothing to replace: the new one goes after a space.
    const gap = start === end && text[start - 1] === ':' ? ' ' : '';
    edits.push({ start, end, text: gap + inlineYaml(value, node, padding) });
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/**
 * A params file's text with `values` set (dotted keys), comments and layout kept: a value
 * written inline is replaced where it stands and nothing else changes; a new key or a block
 * collection goes through the YAML document (comments kept, flow lists kept as written). A key
 * missing from the file is an error unless it is in `addable` (as `file:key`), so a typo never
 * silently adds a param.
 */
export function applyOverrides(file: string, text: string, values: Record<string, ParamValue>, addable: ReadonlySet<string> = new Set()): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UserError(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  for (const key of Object.keys(values)) checkKey(doc, file, key, addable);
  const inPlace = replaceInPlace(doc, text, values);
  if (inPlace !== undefined) return inPlace;
  for (const [key, value] of Object.entries(values)) {
    const path = key.split('.');
    const node = doc.getIn(path, true);
    if (isScalar(node) && (value === null || typeof value !== 'object')) node.value = value;
    else {
      const created = doc.createNode(value);
      // A list written `[a, b]` stays on one line.
      if ((isSeq(node) || isMap(node)) && node.flow && (isSeq(created) || isMap(created))) created.flow = true;
      doc.setIn(path, created);
    }
  }
  return doc.toString({ flowCollectionPadding: usesFlowPadding(text), lineWidth: 0 });
}

/** Overrides as `file:key=value` strings, for names, logs and commit messages (pure). */
export function describeOverrides(overrides: ParamOverrides): string[] {
  const out: string[] = [];
  for (const [file, kv] of Object.entries(overrides)) {
    for (const [key, value] of Object.entries(kv)) out.push(`${file === DEFAULT_PARAMS_FILE ? '' : `${file}:`}${key}=${JSON.stringify(value)}`);
  }
  return out;
}
