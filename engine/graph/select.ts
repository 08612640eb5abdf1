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
  const qualified = resolveQualified(graph, target);
  if (qualified.length > 0) return qualified;
  const hint = closest(target, graph.byName.keys());
  throw new UserError(`unknown stage '${target}'${hint ? `; did you mean '${hint}'?` : ''}`);
}

/** Where a qualified name (`sub/dvc.yaml:train`) splits into its file and its stage. */
const FILE_END = /\.yaml:/;

/**
 * With several pipeline files (pipeline/collect.ts): `sub/dvc.yaml` names every stage of that
 * file, and a bare `train` (or group) the one stage of that name when only one file has it.
 */
function resolveQualified(graph: StageGraph, target: string): string[] {
  const inFile = graph.order.filter((n) => n.startsWith(target + ':'));
  if (inFile.length > 0 && /\.yaml$/.test(target)) return inFile;
  const matches = graph.order.filter((n) => {
    const at = FILE_END.exec(n);
    if (!at) return false;
    const own = n.slice(at.index + at[0].length);
    return own === target || own.startsWith(target + '@');
  });
  const files = new Set(matches.map((n) => n.slice(0, FILE_END.exec(n)!.index + 5)));
  if (files.size > 1) {
    throw new UserError(`stage name '${target}' is ambiguous: ${[...files].map((f) => `${f}:${target}`).join(', ')}`);
  }
  return matches;
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
