import { UserError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { ancestorsOf, descendantsOf, type StageGraph } from './dag.js';

export interface SelectOptions {
  /** Stage names; `train` also names every `train@…` expanded from it. Empty: the whole pipeline. */
  targets: string[];
  /** Targets and what depends on them, instead of targets and what they depend on. */
  downstream?: boolean;
  /** Only the targets themselves, not their upstream (DVC's `--single-item`). */
  single?: boolean;
}

/** Resolve a target name to stage names; `foo` matches `foo` and every `foo@key`. */
export function resolveTarget(graph: StageGraph, target: string): string[] {
  if (graph.byName.has(target)) return [target];
  const group = graph.order.filter((n) => n.startsWith(target + '@'));
  if (group.length > 0) return group;
  const hint = closest(target, graph.byName.keys());
  throw new UserError(`unknown stage '${target}'${hint ? `; did you mean '${hint}'?` : ''}`);
}

/** The stages a command acts on, in topological order. */
export function selectStages(graph: StageGraph, options: SelectOptions): string[] {
  if (options.targets.length === 0) return graph.order;
  const chosen = new Set(options.targets.flatMap((t) => resolveTarget(graph, t)));
  if (!options.single) {
    const more = options.downstream ? descendantsOf(graph, chosen) : ancestorsOf(graph, chosen);
    for (const n of more) chosen.add(n);
  }
  return graph.order.filter((n) => chosen.has(n));
}
