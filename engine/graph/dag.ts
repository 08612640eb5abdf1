import { UserError } from '../errors.js';
import type { StageDef } from '../types.js';
import { MinHeap } from '../util/heap.js';
import { checkGates } from './gates.js';

/**
 * The stage graph: an edge A → B when B reads something A writes (a dep at, inside or above one
 * of A's outs, or a file B's gate reads). Built with a path index, so the cost grows with the
 * number of paths times their depth, never with stages squared.
 */
export interface StageGraph {
  stages: StageDef[];
  byName: Map<string, StageDef>;
  /** Upstream stage names of each stage, in declaration order. */
  upstream: Map<string, string[]>;
  /** Downstream stage names of each stage, in declaration order. */
  downstream: Map<string, string[]>;
  /** The stage that declares each out path. */
  producerOf: Map<string, string>;
  /** For gated stages: the stages that produce the files their gate reads. */
  gateUpstream: Map<string, string[]>;
  /** Stages in a topological order that keeps declaration order wherever the edges allow. */
  order: string[];
  /** Stages with an out at, above or below `path`. */
  producersFor(path: string): string[];
}

/** Finds the outs at, above or below a path, by walking its prefixes and a sorted range. */
class OutIndex {
  private readonly exact = new Map<string, string>();
  private readonly sorted: string[];

  constructor(producerOf: Map<string, string>) {
    for (const [path, stage] of producerOf) this.exact.set(path, stage);
    this.sorted = [...producerOf.keys()].sort();
  }

  /** Producers of outs equal to `path`, containing it, or contained in it. */
  producersFor(path: string): string[] {
    const found = new Set<string>();
    // Outs equal to or above the path: check each prefix.
    let prefix = path;
    for (;;) {
      const hit = this.exact.get(prefix);
      if (hit !== undefined) found.add(hit);
      const slash = prefix.lastIndexOf('/');
      if (slash < 0) break;
      prefix = prefix.slice(0, slash);
    }
    // Outs below the path: a contiguous range of the sorted list starting at `path/`.
    const below = path === '.' ? '' : path + '/';
    let i = lowerBound(this.sorted, below);
    for (; i < this.sorted.length && this.sorted[i]!.startsWith(below); i++) {
      found.add(this.exact.get(this.sorted[i]!)!);
    }
    return [...found];
  }
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Paths a stage reads that may come from other stages: its deps (not `previous` ones), its params
 * files (DVC makes a params file some stage writes a dependency on that stage) and gate files.
 */
export function inputPathsOf(stage: StageDef): string[] {
  const paths = stage.deps.filter((d) => !d.previous).map((d) => d.path);
  const paramFiles = new Set([...(stage.paramSources ?? []).map((p) => p.file), ...Object.keys(stage.params)]);
  paths.push(...paramFiles);
  if (stage.when) paths.push(...Object.values(stage.when.files));
  return paths;
}

export function buildGraph(stages: StageDef[]): StageGraph {
  const byName = new Map<string, StageDef>();
  const index = new Map<string, number>();
  stages.forEach((s, i) => {
    byName.set(s.name, s);
    index.set(s.name, i);
  });
  const producerOf = new Map<string, string>();
  for (const s of stages) for (const o of s.outs) producerOf.set(o.path, s.name);
  const outs = new OutIndex(producerOf);

  const upstream = new Map<string, string[]>();
  const gateUpstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>();
  for (const s of stages) {
    upstream.set(s.name, []);
    downstream.set(s.name, []);
  }
  for (const s of stages) {
    const ups = new Set<string>();
    for (const path of inputPathsOf(s)) {
      for (const producer of outs.producersFor(path)) if (producer !== s.name) ups.add(producer);
    }
    const sortedUps = [...ups].sort((a, b) => index.get(a)! - index.get(b)!);
    upstream.set(s.name, sortedUps);
    for (const u of sortedUps) downstream.get(u)!.push(s.name);
    if (s.when) {
      const producers = new Set(Object.values(s.when.files).flatMap((f) => outs.producersFor(f)));
      producers.delete(s.name);
      gateUpstream.set(s.name, sortedUps.filter((u) => producers.has(u)));
    }
  }
  for (const list of downstream.values()) list.sort((a, b) => index.get(a)! - index.get(b)!);

  checkGates(stages, (path) => outs.producersFor(path));
  const cycles = findCycles(stages.map((s) => s.name), upstream).map((c) => rotateToFirst(c, index));
  if (cycles.length > 0) {
    const first = byName.get(cycles[0]![0]!)!;
    throw new UserError(`dependency cycle between stages: ${cycles.map((c) => [...c, c[0]].join(' -> ')).join('; ')}`, {
      pos: first.pos,
      details: ['a stage cannot depend, directly or through others, on its own outputs'],
    });
  }
  const order = topologicalOrder(stages, upstream, downstream, index);
  return { stages, byName, upstream, downstream, producerOf, gateUpstream, order, producersFor: (path) => outs.producersFor(path) };
}

/** Start a cycle at its earliest-declared stage, so the message reads like the pipeline file. */
function rotateToFirst(cycle: string[], index: Map<string, number>): string[] {
  let first = 0;
  cycle.forEach((n, i) => {
    if (index.get(n)! < index.get(cycle[first]!)!) first = i;
  });
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

/** Kahn's algorithm; among ready stages the earliest declared goes first, so output is stable. */
function topologicalOrder(
  stages: StageDef[],
  upstream: Map<string, string[]>,
  downstream: Map<string, string[]>,
  index: Map<string, number>,
): string[] {
  const remaining = new Map<string, number>();
  for (const s of stages) remaining.set(s.name, upstream.get(s.name)!.length);
  const ready = new MinHeap<string>((a, b) => index.get(a)! - index.get(b)!);
  for (const s of stages) if (remaining.get(s.name) === 0) ready.push(s.name);
  const order: string[] = [];
  while (ready.size > 0) {
    const name = ready.pop()!;
    order.push(name);
    for (const d of downstream.get(name)!) {
      const left = remaining.get(d)! - 1;
      remaining.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return order;
}

/**
 * Strongly connected components with more than one stage (Tarjan, iterative: no deep recursion).
 * Each is listed in data-flow order (every stage feeds the next, the last feeds the first).
 */
export function findCycles(names: string[], upstream: Map<string, string[]>): string[][] {
  let counter = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const start of names) {
    if (indexOf.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    indexOf.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = upstream.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!;
        if (!indexOf.has(to)) {
          indexOf.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, indexOf.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === indexOf.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1) cycles.push(component);
      }
    }
  }
  return cycles;
}

/** Stages above `name` (its transitive upstream), not including it. */
export function ancestorsOf(graph: StageGraph, names: Iterable<string>): Set<string> {
  return walk(graph.upstream, names);
}

/** Stages below `name` (its transitive downstream), not including it. */
export function descendantsOf(graph: StageGraph, names: Iterable<string>): Set<string> {
  return walk(graph.downstream, names);
}

function walk(edges: Map<string, string[]>, starts: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...starts];
  while (queue.length > 0) {
    const n = queue.pop()!;
    for (const next of edges.get(n) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
