import type { StageGraph } from '../graph/dag.js';
import { MinHeap } from '../util/heap.js';

/**
 * Walk the selected stages of a graph, each started once every selected upstream stage has
 * finished, at most `jobs` slots in use at once (a stage takes `slots(name)` of them, 1 by
 * default; one that needs more than is free waits, and runs alone when it needs them all). Among ready stages the earliest in `selected` (a
 * topological order) starts first, so `-j 1` runs in the order DVC would. `process` gets the
 * finished results of the stage's selected upstream, in declaration order.
 */
export function schedule<R>(
  graph: StageGraph,
  selected: readonly string[],
  jobs: number,
  process: (name: string, upstream: R[]) => Promise<R>,
  slots: (name: string) => number = () => 1,
): Promise<Map<string, R>> {
  const selectedSet = new Set(selected);
  const rank = new Map(selected.map((n, i) => [n, i]));
  const upstreamOf = (n: string) => graph.upstream.get(n)!.filter((u) => selectedSet.has(u));
  const waitingOn = new Map(selected.map((n) => [n, upstreamOf(n).length]));
  const ready = new MinHeap<string>((a, b) => rank.get(a)! - rank.get(b)!);
  for (const n of selected) if (waitingOn.get(n) === 0) ready.push(n);
  const results = new Map<string, R>();
  let active = 0;

  return new Promise<Map<string, R>>((resolveAll, rejectAll) => {
    const finished = (name: string, result: R) => {
      active -= slots(name);
      results.set(name, result);
      for (const d of graph.downstream.get(name)!) {
        if (!selectedSet.has(d)) continue;
        const left = waitingOn.get(d)! - 1;
        waitingOn.set(d, left);
        if (left === 0) ready.push(d);
      }
      launch();
    };
    const launch = () => {
      if (results.size === selected.length) return resolveAll(results);
      const budget = Math.max(1, jobs);
      // The first ready stage waits for room rather than being overtaken (no starvation).
      while (ready.size > 0 && (active === 0 || active + slots(ready.peek()!) <= budget)) {
        const name = ready.pop()!;
        active += slots(name);
        process(name, upstreamOf(name).map((u) => results.get(u)!)).then((r) => finished(name, r), rejectAll);
      }
    };
    launch();
  });
}
