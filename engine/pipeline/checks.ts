// Checks across stages once every stage is known: no output claimed twice, no output inside
// another, no stage reading what it writes. Sorting keeps them O(n log n) in the number of
// paths; no all-pairs comparisons.
import { UserError } from '../errors.js';
import type { OutSpec, StageDef } from '../types.js';
import { isSameOrInside } from '../util/paths.js';

interface OwnedOut {
  out: OutSpec;
  stage: string;
  order: number;
}

/** Sort key in which '/' precedes every other character, so a directory's contents follow it. */
function treeOrder(path: string): string {
  return path.replace(/\//g, '\u0000');
}

function compareTree(a: string, b: string): number {
  const ka = treeOrder(a);
  const kb = treeOrder(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Duplicate and nested outputs across all stages (and within one). `sameStageDuplicates: false`
 * leaves out one stage naming a path twice (an out that is also a metric): DVC lists such a
 * stage, and only the commands that write outputs refuse it (pipeline/runnable.ts).
 */
export function checkOutputOverlaps(stages: readonly StageDef[], options: { sameStageDuplicates?: boolean } = {}): UserError[] {
  const sameStage = options.sameStageDuplicates ?? true;
  const all: OwnedOut[] = [];
  for (const stage of stages) for (const out of stage.outs) all.push({ out, stage: stage.name, order: all.length });
  all.sort((a, b) => compareTree(a.out.path, b.out.path) || a.order - b.order);
  const errors: UserError[] = [];
  // Stack of the outputs enclosing the current one, outermost first.
  const enclosing: OwnedOut[] = [];
  for (const cur of all) {
    while (enclosing.length > 0 && !isSameOrInside(cur.out.path, enclosing[enclosing.length - 1]!.out.path)) enclosing.pop();
    const outer = enclosing[enclosing.length - 1];
    if (outer && !(!sameStage && outer.stage === cur.stage && outer.out.path === cur.out.path)) {
      const owner = outer.stage === cur.stage ? 'the same stage' : `stage '${outer.stage}'`;
      const message = outer.out.path === cur.out.path
        ? `output '${cur.out.path}' of stage '${cur.stage}' is already an output of ${owner}`
        : `output '${cur.out.path}' of stage '${cur.stage}' is inside output '${outer.out.path}' of ${owner}`;
      errors.push(new UserError(message, { pos: cur.out.pos }));
      if (outer.out.path === cur.out.path) continue;
    }
    enclosing.push(cur);
  }
  return errors;
}

/** A stage whose (current) dependency is, contains, or lies inside one of its own outputs. */
export function checkDepsAgainstOwnOuts(stage: StageDef): UserError[] {
  if (stage.outs.length === 0) return [];
  const outPaths = new Set(stage.outs.map((o) => o.path));
  const sorted = [...outPaths].sort(compareTree);
  const errors: UserError[] = [];
  for (const dep of stage.deps) {
    if (dep.previous) continue; // an earlier run's output: reading it is the point
    const clash = enclosingOut(dep.path, outPaths) ?? firstInside(dep.path, sorted);
    if (clash === undefined) continue;
    const message = clash === dep.path
      ? `'${dep.path}' is both a dependency and an output of stage '${stage.name}'`
      : isSameOrInside(dep.path, clash)
        ? `dependency '${dep.path}' of stage '${stage.name}' is inside its own output '${clash}'`
        : `dependency '${dep.path}' of stage '${stage.name}' contains its own output '${clash}'`;
    const details = clash === dep.path ? ['if the stage reads what its previous run left there, write `- path: {previous: true}`'] : [];
    errors.push(new UserError(message, { pos: dep.pos, details }));
  }
  return errors;
}

function enclosingOut(path: string, outs: ReadonlySet<string>): string | undefined {
  for (let p = path; ; ) {
    if (outs.has(p)) return p;
    const slash = p.lastIndexOf('/');
    if (slash < 0) return outs.has('.') ? '.' : undefined;
    p = p.slice(0, slash);
  }
}

function firstInside(dir: string, sortedOuts: readonly string[]): string | undefined {
  // Binary search for the first output not before `dir` in tree order; if anything is inside
  // `dir` it comes right there.
  let lo = 0;
  let hi = sortedOuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareTree(sortedOuts[mid]!, dir) < 0) lo = mid + 1;
    else hi = mid;
  }
  const candidate = sortedOuts[lo];
  return candidate !== undefined && isSameOrInside(candidate, dir) ? candidate : undefined;
}

/** All cross-stage checks. */
export function checkPipeline(stages: readonly StageDef[]): UserError[] {
  return [...checkOutputOverlaps(stages, { sameStageDuplicates: false }), ...stages.flatMap(checkDepsAgainstOwnOuts)];
}
