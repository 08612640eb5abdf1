// A YAML document as a small immutable tree whose every node knows where it was written, so that
// errors found long after parsing (in an expanded foreach stage, say) can still name line and
// column. Aliases are expanded here under a budget, so an alias bomb fails fast instead of
// exhausting memory later.
import type { Node as YamlNode, Document, YAMLError } from 'yaml';
import type { SourcePos } from '../types.js';
import { yaml } from '../util/lazy-libs.js';
import { UserError, UserErrors } from '../errors.js';
import { scalarToString } from './python-str.js';

export type ScalarValue = string | number | boolean | null;

export interface YScalar {
  kind: 'scalar';
  value: ScalarValue;
  /** A number written as a float (`1.0`, `1e-5`): Python prints those differently from ints. */
  float: boolean;
  pos: SourcePos;
  /** Where a string's characters start when that differs from `pos` (after a quote, below a
   *  block-scalar header); used to locate an offset inside the string. */
  contentPos?: SourcePos;
}

export interface YEntry {
  key: string;
  keyPos: SourcePos;
  value: YNode;
}

export interface YMap {
  kind: 'map';
  entries: YEntry[];
  pos: SourcePos;
}

export interface YSeq {
  kind: 'seq';
  items: YNode[];
  pos: SourcePos;
}

export type YNode = YScalar | YMap | YSeq;

export interface ParseYamlOptions {
  /** Name shown in errors (repository-relative). */
  file: string;
  /** Most values the document may expand to once aliases are followed. */
  maxNodes?: number;
  /** Deepest nesting accepted. */
  maxDepth?: number;
  /** Line of the file where `text` starts (a slice of a larger file); default 1. */
  firstLine?: number;
}

const DEFAULT_MAX_NODES = 1_000_000;
const DEFAULT_MAX_DEPTH = 200;
const INT_SOURCE = /^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;

/**
 * Parse YAML text (YAML 1.2 core schema, like DVC's ruamel loader) into a YNode tree.
 * Returns null for an empty document. Throws UserError(s) located in `file` for syntax errors,
 * duplicate keys, alias bombs and excessive nesting.
 */
export function parseYamlTree(text: string, options: ParseYamlOptions): YNode | null {
  const { file } = options;
  // A BOM is not content; left in, it would shift every column of the first line.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(source, {
      lineCounter,
      // The package's own duplicate-key check compares all pairs of keys (quadratic in a
      // 10,000-stage map); the converter below finds duplicates with a hash map instead.
      uniqueKeys: false,
      prettyErrors: false,
      version: '1.2',
      merge: true,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UserError('YAML nesting is too deep to parse', { pos: { file, line: 1, col: 1 } });
    throw e;
  }
  const lineShift = (options.firstLine ?? 1) - 1;
  const posAt = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line: line + lineShift, col };
  };
  if (doc.errors.length > 0) {
    throw collected(doc.errors.map((e) => syntaxError(doc, e, source, posAt)));
  }
  const converter = new Converter(doc, source, posAt, options.maxNodes ?? DEFAULT_MAX_NODES, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return doc.contents === null ? null : converter.convert(doc.contents as YamlNode, 0);
}

/**
 * A syntax error, located. The yaml package notices an unclosed `[` or `{` only on the line after
 * it; the reader needs the bracket itself.
 */
function syntaxError(doc: Document.Parsed, e: YAMLError, source: string, posAt: (offset: number) => SourcePos): UserError {
  const opener = e.code === 'BAD_INDENT' && /^Flow (sequence|map)\b/.test(e.message) ? unclosedFlowEndingAt(doc, source, e.pos[0]) : undefined;
  if (opener !== undefined) {
    const open = source[opener]!;
    return new UserError(`invalid YAML: this '${open}' is never closed with '${open === '[' ? ']' : '}'}'`, { pos: posAt(opener) });
  }
  return new UserError(`invalid YAML: ${stripLocation(e.message)}`, { pos: posAt(e.pos[0]) });
}

/** Where the outermost flow collection that runs unclosed up to `offset` opens. */
function unclosedFlowEndingAt(doc: Document.Parsed, source: string, offset: number): number | undefined {
  const { visit, isCollection, isPair } = yaml();
  let found: number | undefined;
  visit(doc, {
    Node(_key, node) {
      if (found !== undefined || !isCollection(node) || !node.flow || !node.range || node.range[1] !== offset) return;
      // Closed when a bracket follows its last item (an inner list's `]` does not count).
      const last: unknown = node.items[node.items.length - 1];
      const lastNode = isPair(last) ? (last.value ?? last.key) : last;
      const range = (lastNode as { range?: [number, number, number] } | null)?.range;
      const itemsEnd = range ? range[1] : node.range[0] + 1;
      if (!/[\]}]/.test(source.slice(itemsEnd, node.range[1]))) found = node.range[0];
    },
  });
  return found;
}

function stripLocation(message: string): string {
  // The yaml package appends " at line L, column C:" and a code frame; we print the position ourselves.
  const text = message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
  return text.includes('Maximum call stack size exceeded') ? 'nesting is too deep' : text;
}

function collected(errors: UserError[]): UserError {
  return errors.length === 1 ? errors[0]! : new UserErrors(errors);
}

class Converter {
  private expanded = 0;
  private readonly anchors = new Map<YamlNode, YNode>();
  private readonly y = yaml();
  private readonly sizes = new WeakMap<YNode, number>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly text: string,
    private readonly posAt: (offset: number) => SourcePos,
    private readonly maxNodes: number,
    private readonly maxDepth: number,
  ) {}

  convert(node: YamlNode, depth: number): YNode {
    const start = node.range?.[0] ?? 0;
    if (depth > this.maxDepth) {
      throw new UserError(`YAML nesting deeper than ${this.maxDepth} levels`, { pos: this.posAt(start) });
    }
    if (this.y.isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) throw new UserError(`unknown YAML alias '*${node.source}'`, { pos: this.posAt(start) });
      // The target is converted once and shared; only its expanded size counts against the budget.
      let converted = this.anchors.get(target);
      if (!converted) {
        converted = this.convert(target, depth);
        this.anchors.set(target, converted);
      }
      this.count(this.sizeOf(converted), start);
      return converted;
    }
    this.count(1, start);
    if (this.y.isScalar(node)) return this.scalar(node, start);
    if (this.y.isMap(node)) {
      const entries: YEntry[] = [];
      const index = new Map<string, number>();
      const merges: YNode[] = [];
      for (const pair of node.items) {
        if (!this.y.isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const keyStart = keyNode?.range?.[0] ?? start;
        if (this.y.isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.source === '<<') {
          // YAML merge key: entries written in this map win over merged ones.
          const value = pair.value as YamlNode | null;
          if (value) merges.push(this.convert(value, depth + 1));
          continue;
        }
        if (keyNode !== null && !this.y.isScalar(keyNode)) {
          throw new UserError('mapping keys must be plain values, not lists or mappings', { pos: this.posAt(keyStart) });
        }
        const keyScalar = keyNode === null ? null : this.scalar(keyNode, keyStart);
        const key = keyScalar === null ? 'None' : scalarToString(keyScalar.value, keyScalar.float);
        if (index.has(key)) {
          const first = entries[index.get(key)!]!.keyPos;
          throw new UserError(`duplicate key '${key}' (first defined at line ${first.line}, column ${first.col})`, { pos: this.posAt(keyStart) });
        }
        const valueNode = pair.value as YamlNode | null;
        const value = valueNode === null
          ? this.nullAt(keyNode?.range?.[1] ?? keyStart)
          : this.convert(valueNode, depth + 1);
        index.set(key, entries.length);
        entries.push({ key, keyPos: this.posAt(keyStart), value });
      }
      for (const merged of merges) {
        const sources = merged.kind === 'seq' ? merged.items : [merged];
        for (const src of sources) {
          if (src.kind !== 'map') throw new UserError('a YAML merge (<<) needs a mapping', { pos: src.pos });
          for (const entry of src.entries) {
            if (!index.has(entry.key)) {
              index.set(entry.key, entries.length);
              entries.push(entry);
            }
          }
        }
      }
      return { kind: 'map', entries, pos: this.posAt(start) };
    }
    if (this.y.isSeq(node)) {
      const items: YNode[] = [];
      for (const item of node.items) {
        items.push(item === null ? this.nullAt(start) : this.convert(item as YamlNode, depth + 1));
      }
      return { kind: 'seq', items, pos: this.posAt(start) };
    }
    throw new UserError('unsupported YAML node', { pos: this.posAt(start) });
  }

  private scalar(node: import('yaml').Scalar, start: number): YScalar {
    const raw: unknown = node.value;
    let value: ScalarValue;
    let float = false;
    if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') value = raw;
    else if (typeof raw === 'number') {
      value = raw;
      float = node.type === 'PLAIN' && !INT_SOURCE.test(node.source ?? String(raw));
    } else if (typeof raw === 'bigint') value = Number(raw);
    else value = String(raw);
    const result: YScalar = { kind: 'scalar', value, float, pos: this.posAt(start) };
    const content = this.contentStart(node, start);
    if (content !== start) result.contentPos = this.posAt(content);
    return result;
  }

  private contentStart(node: import('yaml').Scalar, start: number): number {
    switch (node.type) {
      case 'QUOTE_DOUBLE':
      case 'QUOTE_SINGLE':
        return start + 1;
      case 'BLOCK_FOLDED':
      case 'BLOCK_LITERAL': {
        const newline = this.text.indexOf('\n', start);
        if (newline < 0) return start;
        let i = newline + 1;
        while (i < this.text.length && (this.text[i] === ' ' || this.text[i] === '\n' || this.text[i] === '\r')) i++;
        return i;
      }
      default:
        return start;
    }
  }

  private nullAt(offset: number): YScalar {
    return { kind: 'scalar', value: null, float: false, pos: this.posAt(offset) };
  }

  private sizeOf(node: YNode): number {
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    let size = 1;
    if (node.kind === 'map') for (const e of node.entries) size += this.sizeOf(e.value);
    else if (node.kind === 'seq') for (const item of node.items) size += this.sizeOf(item);
    this.sizes.set(node, size);
    return size;
  }

  private count(n: number, offset: number): void {
    this.expanded += n;
    if (this.expanded > this.maxNodes) {
      throw new UserError(
        `YAML document expands to more than ${this.maxNodes} values (aliases repeated too often?)`,
        { pos: this.posAt(offset) },
      );
    }
  }
}

/** The entry for `key` in a map node, if any. */
export function entryOf(node: YNode | null | undefined, key: string): YEntry | undefined {
  if (!node || node.kind !== 'map') return undefined;
  return node.entries.find((e) => e.key === key);
}

/** Plain JavaScript data for a node (maps become objects, safe against `__proto__` keys). */
export function toPlain(node: YNode | null): unknown {
  if (node === null) return null;
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) setOwn(out, e.key, toPlain(e.value));
      return out;
    }
  }
}

/** Assign a property even when the key is `__proto__`, so data can never change a prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A YNode tree for plain data read from JSON or TOML, every node placed at `pos`. */
export function fromPlain(value: unknown, pos: SourcePos, depth = 0): YNode {
  if (depth > DEFAULT_MAX_DEPTH) throw new UserError(`nesting deeper than ${DEFAULT_MAX_DEPTH} levels`, { pos });
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromPlain(v, pos, depth + 1)), pos };
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries: YEntry[] = Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
      key,
      keyPos: pos,
      value: fromPlain(v, pos, depth + 1),
    }));
    return { kind: 'map', entries, pos };
  }
  if (value === null || value === undefined) return { kind: 'scalar', value: null, float: false, pos };
  if (typeof value === 'string' || typeof value === 'boolean') return { kind: 'scalar', value, float: false, pos };
  if (typeof value === 'number') return { kind: 'scalar', value, float: !Number.isInteger(value), pos };
  if (typeof value === 'bigint') return { kind: 'scalar', value: Number(value), float: false, pos };
  return { kind: 'scalar', value: String(value), float: false, pos };
}

/** Follow a JSON-pointer-like list of keys/indexes from `root`. */
export function nodeAtPath(root: YNode | null, segments: readonly string[]): YNode | null {
  let node: YNode | null = root;
  for (const seg of segments) {
    if (node === null) return null;
    if (node.kind === 'map') node = node.entries.find((e) => e.key === seg)?.value ?? null;
    else if (node.kind === 'seq') node = node.items[Number(seg)] ?? null;
    else return null;
  }
  return node;
}
