import type { StageGraph } from './dag.js';

export type DagFormat = 'text' | 'mermaid' | 'dot';

/** The graph restricted to `names`, as text (each stage with what it needs), Mermaid or DOT. */
export function renderDag(graph: StageGraph, names: string[], format: DagFormat): string {
  const keep = new Set(names);
  const edges: [string, string][] = [];
  for (const n of names) for (const u of graph.upstream.get(n) ?? []) if (keep.has(u)) edges.push([u, n]);
  if (format === 'mermaid') {
    const id = new Map(names.map((n, i) => [n, `s${i}`]));
    const lines = ['flowchart TD', ...names.map((n) => `  ${id.get(n)}["${n.replace(/"/g, '#quot;')}"]`)];
    for (const [a, b] of edges) lines.push(`  ${id.get(a)} --> ${id.get(b)}`);
    return lines.join('\n') + '\n';
  }
  if (format === 'dot') {
    const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const lines = ['strict digraph {', ...names.map((n) => `  ${q(n)};`), ...edges.map(([a, b]) => `  ${q(a)} -> ${q(b)};`), '}'];
    return lines.join('\n') + '\n';
  }
  const lines: string[] = [];
  for (const n of names) {
    const ups = (graph.upstream.get(n) ?? []).filter((u) => keep.has(u));
    lines.push(ups.length ? `${n}  <-  ${ups.join(', ')}` : n);
  }
  return lines.join('\n') + '\n';
}
