// Params files (YAML, JSON, TOML), each read and parsed once per load, and DVC's dotted-key
// lookup into them.
import { parse as parseToml } from 'smol-toml';
import { UserError } from '../errors.js';
import type { ParamSource, ParamValues } from '../types.js';
import { fromPlain, parseYamlTree, setOwn, toPlain } from './yaml-tree.js';
import type { YMap, YNode } from './yaml-tree.js';

/** Reads a repository-relative file; undefined when there is no such file. */
export type ReadFile = (repoPath: string) => string | undefined;

/** One loaded params file: its top-level mapping. */
export type ParamsTree = YMap;

export class ParamsFiles {
  private readonly cache = new Map<string, ParamsTree | undefined>();

  constructor(private readonly read: ReadFile) {}

  /** The file's tree, or undefined when it does not exist. Throws UserError when unreadable. */
  load(repoPath: string): ParamsTree | undefined {
    if (this.cache.has(repoPath)) return this.cache.get(repoPath);
    const text = this.read(repoPath);
    const tree = text === undefined ? undefined : parseParamsText(repoPath, text);
    this.cache.set(repoPath, tree);
    return tree;
  }
}

/** Parse a params file by its extension (YAML unless .json or .toml, as DVC does). */
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
      data = parseToml(text);
    } catch (e) {
      const err = e as { message: string; line?: number; column?: number };
      const pos = { file: repoPath, line: err.line ?? 1, col: err.column ?? 1 };
      throw new UserError(`invalid TOML in params file: ${err.message.split('\n')[0]}`, { pos });
    }
    tree = fromPlain(data, start);
  } else if (lower.endsWith('.py')) {
    throw new UserError('Python params files are not supported; use YAML, JSON or TOML', { pos: start });
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
    const tree = files.load(file);
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
