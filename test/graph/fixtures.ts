import type { StageDef } from '../../engine/types.js';

const pos = { file: 'pipeline.yaml', line: 1, col: 1 };

/** A stage with just the fields the graph and staleness code read. */
export function stage(name: string, deps: string[], outs: string[], extra: Partial<StageDef> = {}): StageDef {
  return {
    name,
    cmd: [`run ${name}`],
    wdir: '.',
    deps: deps.map((path) => ({ path, pos })),
    outs: outs.map((path) => ({ path, kind: 'out' as const, cache: true, persist: false, push: true, pos })),
    params: {},
    frozen: false,
    alwaysChanged: false,
    pos,
    ...extra,
  };
}
