// Params files (YAML, JSON, TOML), each read and parsed once per load, and DVC's dotted-key
// lookup into them.
import { toml } from '../util/lazy-libs.js';
import { UserError } from '../errors.js';
import type { ParamSource, ParamValues } from '../types.js';
import { didYouMean } from './suggest.js';
import { parsePythonParams } from './python-params.js';
import { fromPlain, parseYamlTree, setOwn, toPlain } from './yaml-tree.js';
import type { YEntry, YMap, YNode } from './yaml-tree.js';

/** Reads a repository-relative file; undefined when there is no such file. */
export type ReadFile = (repoPath: string) => string | undefined;

/** One loaded params file: its top-level mapping. */
export type ParamsTree = YMap;

/**
 * YAML params files from this size on are parsed by top-level section, only the sections stages
 * read: a 50 MB file parsed whole takes gigabytes (the yaml package's document model).
 */
export const SECTIONED_PARSE_BYTES = 1_000_000;

export class ParamsFiles {
  private readonly cache = new Map<string, ParamsTree | undefined>();
  private readonly texts = new Map<string, string | undefined>();
  private readonly sectioned = new Map<string, SectionedYaml | undefined>();

  constructor(private readonly read: ReadFile) {}

  /** True when the file exists (read once, not parsed). */
  exists(repoPath: string): boolean {
    return this.text(repoPath) !== undefined;
  }

  /**
   * The file's tree, or undefined when it does not exist. Throws UserError when unreadable.
   * `topKeys`: the top-level keys the caller will look into; a large YAML file is then parsed
   * only there (the tree holds only those entries).
   */
  load(repoPath: string, topKeys?: readonly string[]): ParamsTree | undefined {
    if (this.cache.has(repoPath)) return this.cache.get(repoPath);
    const text = this.text(repoPath);
    if (text === undefined) return undefined;
    if (topKeys && text.length >= SECTIONED_PARSE_BYTES && isYamlPath(repoPath)) {
      if (!this.sectioned.has(repoPath)) this.sectioned.set(repoPath, SectionedYaml.index(repoPath, text));
      const sections = this.sectioned.get(repoPath);
      if (sections) return sections.tree(topKeys);
    }
    const tree = parseParamsText(repoPath, text);
    this.cache.set(repoPath, tree);
    return tree;
  }

  /**
   * The top-level keys of a large YAML params file that parses by section (see load's
   * `topKeys`), or undefined for a small file or one that must be parsed whole.
   */
  sectionKeys(repoPath: string): string[] | undefined {
    const text = this.text(repoPath);
    if (text === undefined || text.length < SECTIONED_PARSE_BYTES || !isYamlPath(repoPath)) return undefined;
    if (!this.sectioned.has(repoPath)) this.sectioned.set(repoPath, SectionedYaml.index(repoPath, text));
    return this.sectioned.get(repoPath)?.keys();
  }

  private text(repoPath: string): string | undefined {
    if (!this.texts.has(repoPath)) this.texts.set(repoPath, this.read(repoPath));
    return this.texts.get(repoPath);
  }
}

function isYamlPath(repoPath: string): boolean {
  const lower = repoPath.toLowerCase();
  return !lower.endsWith('.json') && !lower.endsWith('.toml') && !lower.endsWith('.py');
}

/** A top-level key line a section parse can trust: a plain key that YAML reads as a string. */
const SECTION_KEY = /^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]|\r?$)/;
const NOT_A_STRING_KEY = /^(?:true|false|null|True|False|Null|TRUE|FALSE|NULL)$/;
/** Anchors, aliases and merges may cross sections: such a file is parsed whole. */
const CROSS_SECTION = /(?:^|[\s[{,:-])[&*][^\s,\]}]|<<\s*:/m;

/** A large YAML mapping split at its top-level keys; each section is parsed when first asked for. */
class SectionedYaml {
  private readonly parsed = new Map<string, YEntry | undefined>();

  private constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly sections: Map<string, { start: number; end: number; line: number }>,
  ) {}

  /** The sections of `text`, or undefined when its shape is not a plain top-level mapping. */
  static index(file: string, text: string): SectionedYaml | undefined {
    if (CROSS_SECTION.test(text)) return undefined;
    const sections = new Map<string, { start: number; end: number; line: number }>();
    let last: { start: number; end: number; line: number } | undefined;
    let line = 1;
    for (let at = text.charCodeAt(0) === 0xfeff ? 1 : 0; at < text.length; line++) {
      const nl = text.indexOf('\n', at);
      const end = nl < 0 ? text.length : nl + 1;
      const c = text[at];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== '#') {
        const m = SECTION_KEY.exec(text.slice(at, Math.min(nl < 0 ? text.length : nl, at + 256)));
        // Anything else at column 0 (a document marker, a list, a flow mapping, a quoted key):
        // the whole-file parser must see it.
        if (!m || NOT_A_STRING_KEY.test(m[1]!) || sections.has(m[1]!)) return undefined;
        if (last) last.end = at;
        last = { start: at, end: text.length, line };
        sections.set(m[1]!, last);
      }
      at = end;
    }
    return new SectionedYaml(file, text, sections);
  }

  keys(): string[] {
    return [...this.sections.keys()];
  }

  /** A mapping of the asked keys that exist, in file order. */
  tree(keys: readonly string[]): ParamsTree {
    const entries: YEntry[] = [];
    for (const key of new Set(keys)) {
      const e = this.entry(key);
      if (e) entries.push(e);
    }
    entries.sort((a, b) => a.keyPos.line - b.keyPos.line);
    return { kind: 'map', entries, pos: { file: this.file, line: 1, col: 1 } };
  }

  private entry(key: string): YEntry | undefined {
    if (this.parsed.has(key)) return this.parsed.get(key);
    const s = this.sections.get(key);
    let entry: YEntry | undefined;
    if (s) {
      const node = parseYamlTree(this.text.slice(s.start, s.end), { file: this.file, firstLine: s.line });
      entry = node?.kind === 'map' ? node.entries.find((e) => e.key === key) : undefined;
    }
    this.parsed.set(key, entry);
    return entry;
  }
}

/** Parse a params file by its extension (YAML unless .json, .toml or .py, as DVC does). */
export function parseParamsText(repoPath: string, text: string): ParamsTree {
  const start = { file: repoPath, line: 1, col: 1 };
  const lower = repoPath.toLowerCase();
  let tree: YNode | null;
  if (lower.endsWith('.json')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new UserError(`invalid JSON in params file: ${(e as Error).message}`, { pos: start });
    }
    tree = fromPlain(data, start);
  } else if (lower.endsWith('.toml')) {
    let data: unknown;
    try {
      data = toml().parse(text);
    } catch (e) {
      const err = e as { message: string; line?: number; column?: number };
      const pos = { file: repoPath, line: err.line ?? 1, col: err.column ?? 1 };
      throw new UserError(`invalid TOML in params file: ${err.message.split('\n')[0]}`, { pos });
    }
    tree = fromPlain(data, start);
  } else if (lower.endsWith('.py')) {
    tree = parsePythonParams(repoPath, text);
  } else {
    tree = parseYamlTree(text, { file: repoPath });
  }
  if (tree === null) return { kind: 'map', entries: [], pos: start };
  if (tree.kind !== 'map') {
    throw new UserError(`expected a mapping at the top of params file '${repoPath}', got a ${tree.kind === 'seq' ? 'list' : 'value'}`, {
      pos: tree.pos,
    });
  }
  return tree;
}

// Key indexes of mappings looked into, so thousands of stages reading one file stay linear.
const keyIndexes = new WeakMap<YMap, Map<string, YNode>>();

function child(map: YMap, key: string): YNode | undefined {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map(map.entries.map((e) => [e.key, e.value]));
    keyIndexes.set(map, index);
  }
  return index.get(key);
}

/** DVC's dotted key lookup (`train.lr`, `layers.0.size`): mappings by key, lists by index. */
export function lookupParam(tree: YNode, dottedKey: string): YNode | undefined {
  let node: YNode | undefined = tree;
  for (const seg of dottedKey.split('.')) {
    if (!node) return undefined;
    if (node.kind === 'map') node = child(node, seg);
    else if (node.kind === 'seq') node = /^\d+$/.test(seg) ? node.items[Number(seg)] : undefined;
    else return undefined;
  }
  return node;
}

/** The existing dotted key closest to a `dottedKey` not found in `tree` (a typo's fix), if any. */
export function nearestParam(tree: YNode, dottedKey: string): string | undefined {
  const segments = dottedKey.split('.');
  let node: YNode | undefined = tree;
  for (let i = 0; i < segments.length && node?.kind === 'map'; i++) {
    const next = child(node, segments[i]!);
    if (next) {
      node = next;
      continue;
    }
    const near = didYouMean(segments[i]!, node.entries.map((e) => e.key));
    return near === undefined ? undefined : [...segments.slice(0, i), near, ...segments.slice(i + 1)].join('.');
  }
  return undefined;
}

/** The top-level key a dotted key starts with. */
export function topKeyOf(dottedKey: string): string {
  const dot = dottedKey.indexOf('.');
  return dot < 0 ? dottedKey : dottedKey.slice(0, dot);
}

export interface ParamsRead {
  values: ParamValues;
  /** Params files that do not exist. */
  missingFiles: string[];
  /** `file:key` of keys not found in a file that exists. */
  missingKeys: string[];
}

/**
 * The values of declared `params:` entries, read now (not at load): for params files an earlier
 * stage writes during the run. Throws UserError when a file exists but cannot be parsed.
 */
export function readParamSources(files: ParamsFiles, sources: readonly ParamSource[]): ParamsRead {
  const read: ParamsRead = { values: {}, missingFiles: [], missingKeys: [] };
  for (const { file, keys } of sources) {
    const tree = files.load(file, keys === null ? undefined : keys.map(topKeyOf));
    if (tree === undefined) {
      read.missingFiles.push(file);
      continue;
    }
    const target: Record<string, unknown> = read.values[file] ?? (read.values[file] = {});
    if (keys === null) {
      for (const e of tree.entries) setOwn(target, e.key, toPlain(e.value));
      continue;
    }
    for (const key of keys) {
      const found = lookupParam(tree, key);
      if (found) setOwn(target, key, toPlain(found));
      else read.missingKeys.push(`${file}:${key}`);
    }
  }
  return read;
}
