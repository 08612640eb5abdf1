// foreach / matrix expansion: which stages a group generates and what they are called, by
// DVC's rules (name@value, name@index, name@key, name@a-b).
import type { CtxNode } from './context.js';
import { pythonTypeName } from './context.js';
import { scalarToString } from './python-str.js';

/** One generated stage: its key (the part after `@`) and the values `${item}`/`${key}` see. */
export interface Generated {
  key: string;
  vars: Map<string, CtxNode>;
}

/** Thrown for data that cannot be expanded; the caller adds position and stage. */
export class ExpansionError extends Error {}

const isComposite = (n: CtxNode): boolean => n.kind !== 'scalar';

function local(value: string): CtxNode {
  return { kind: 'scalar', value, float: false, origin: { label: 'generated', path: '' } };
}

/**
 * foreach over a list of plain values → `name@value`; over a list holding any list or mapping →
 * `name@index`; over a mapping → `name@key` (and `${key}` is set). Repeated keys collapse into
 * one stage, as in DVC (the last value wins, the first position stays).
 */
export function expandForeach(data: CtxNode): Generated[] {
  const byKey = new Map<string, Map<string, CtxNode>>();
  if (data.kind === 'map') {
    for (const [key, item] of data.entries) byKey.set(key, new Map([['item', item], ['key', local(key)]]));
  } else if (data.kind === 'seq') {
    const byIndex = data.items.some(isComposite);
    data.items.forEach((item, i) => {
      const key = byIndex || item.kind !== 'scalar' ? String(i) : scalarToString(item.value, item.float);
      byKey.set(key, new Map([['item', item]]));
    });
  } else {
    throw new ExpansionError(`expected list/dictionary, got ${pythonTypeName(data)}`);
  }
  return [...byKey].map(([key, vars]) => ({ key, vars }));
}

/**
 * matrix: every combination of the axes' values, in order, named by joining one fragment per
 * axis with `-`: the value itself, or `<axis><index>` when the value is a list or mapping.
 * `${item.<axis>}` gives the value and `${key}` the joined name.
 */
export function expandMatrix(axes: ReadonlyArray<readonly [string, CtxNode]>, limit: number): Generated[] {
  const lists = axes.map(([name, values]) => {
    if (values.kind !== 'seq') throw new ExpansionError(`matrix axis '${name}' must be a list, got ${pythonTypeName(values)}`);
    return values.items;
  });
  const total = lists.reduce((n, l) => n * l.length, 1);
  if (total > limit) throw new ExpansionError(`matrix generates ${total} stages, more than the limit of ${limit}`);
  const byKey = new Map<string, Map<string, CtxNode>>();
  if (lists.some((l) => l.length === 0)) return [];
  const index = lists.map(() => 0);
  for (let n = 0; n < total; n++) {
    const item = new Map<string, CtxNode>();
    const fragments: string[] = [];
    axes.forEach(([name], a) => {
      const value = lists[a]![index[a]!]!;
      item.set(name, value);
      fragments.push(value.kind === 'scalar' ? scalarToString(value.value, value.float) : `${name}${index[a]}`);
    });
    const key = fragments.join('-');
    const itemNode: CtxNode = { kind: 'map', entries: item, origin: { label: 'matrix', path: '' } };
    byKey.set(key, new Map([['item', itemNode], ['key', local(key)]]));
    // Odometer: the last axis varies fastest, like itertools.product.
    for (let a = lists.length - 1; a >= 0; a--) {
      index[a] = (index[a] ?? 0) + 1;
      if ((index[a] ?? 0) < (lists[a]?.length ?? 0)) break;
      index[a] = 0;
    }
  }
  return [...byKey].map(([key, vars]) => ({ key, vars }));
}
