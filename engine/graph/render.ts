import type { StageGraph } from './dag.js';

export type DagFormat = 'text' | 'mermaid' | 'dot';

/** The graph restricted to `names` (in topological order), as an ASCII tree, Mermaid or DOT. */
export function renderDag(graph: StageGraph, names: string[], format: DagFormat): string {
  const keep = new Set(names);
  const upstreamOf = (n: string) => (graph.upstream.get(n) ?? []).filter((u) => keep.has(u));
  if (format === 'mermaid') {
    const id = new Map(names.map((n, i) => [n, `s${i}`]));
    const lines = ['flowchart TD', ...names.map((n) => `  ${id.get(n)}["${n.replace(/"/g, '#quot;')}"]`)];
    for (const n of names) for (const u of upstreamOf(n)) lines.push(`  ${id.get(u)} --> ${id.get(n)}`);
    return lines.join('\n') + '\n';
  }
  if (format === 'dot') {
    const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const edges = names.flatMap((n) => upstreamOf(n).map((u) => `  ${q(u)} -> ${q(n)};`));
    return ['strict digraph {', ...names.map((n) => `  ${q(n)};`), ...edges, '}'].join('\n') + '\n';
  }
  return renderTree(names, directUpstream(names, upstreamOf));
}

/**
 * Each stage's upstream stages minus those it also reaches through another (the transitive
 * reduction): `package <- build, train, evaluate` becomes `package <- evaluate`, which is what a
 * reader follows. Ancestor sets are bitsets so ten thousand stages stay cheap.
 */
function directUpstream(names: readonly string[], upstreamOf: (n: string) => string[]): Map<string, string[]> {
  const index = new Map(names.map((n, i) => [n, i]));
  const words = Math.ceil(names.length / 32);
  const ancestors: Uint32Array[] = [];
  const direct = new Map<string, string[]>();
  for (const n of names) {
    const ups = upstreamOf(n);
    const reached = new Uint32Array(words);
    for (const u of ups) {
      const ui = index.get(u)!;
      const a = ancestors[ui]!;
      for (let w = 0; w < words; w++) reached[w]! |= a[w]!;
    }
    // An upstream stage that another upstream stage already depends on is not a direct edge.
    direct.set(n, ups.filter((u) => !hasBit(reached, index.get(u)!)));
    for (const u of ups) setBit(reached, index.get(u)!);
    ancestors.push(reached);
  }
  return direct;
}

const hasBit = (bits: Uint32Array, i: number) => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
const setBit = (bits: Uint32Array, i: number) => {
  bits[i >>> 5]! |= 1 << (i & 31);
};

/**
 * An ASCII tree: a chain reads `a -> b -> c` on one line; where a stage feeds several, each
 * branch hangs below it (`├─>`, `└─>`). A stage with several direct upstream stages sits under
 * the last of them and names the others: `train (also after split)`.
 */
function renderTree(names: readonly string[], direct: Map<string, string[]>): string {
  const children = new Map<string, string[]>(names.map((n) => [n, []]));
  const label = new Map<string, string>();
  for (const n of names) {
    const ups = direct.get(n)!;
    const parent = ups[ups.length - 1];
    if (parent !== undefined) children.get(parent)!.push(n);
    label.set(n, ups.length > 1 ? `${n} (also after ${ups.slice(0, -1).join(', ')})` : n);
  }
  const lines: string[] = [];
  const block = (start: string, lead: string, indent: string): void => {
    let text = label.get(start)!;
    let last = start;
    let lastColumn = 0;
    while (children.get(last)!.length === 1) {
      last = children.get(last)![0]!;
      lastColumn = text.length + 4;
      text += ` -> ${label.get(last)!}`;
    }
    lines.push(lead + text);
    const kids = children.get(last)!;
    const pad = indent + ' '.repeat(lastColumn);
    kids.forEach((kid, i) => {
      const final = i === kids.length - 1;
      block(kid, pad + (final ? '└─> ' : '├─> '), pad + (final ? '    ' : '│   '));
    });
  };
  for (const n of names) if (direct.get(n)!.length === 0) block(n, '', '');
  return lines.join('\n') + '\n';
}
