import { UserError, UserErrors } from '../errors.js';
import { parseGate } from '../gate/index.js';
import type { StageDef } from '../types.js';

/**
 * Load-time checks of every gate: the condition parses, its aliases name its files, and each
 * file is produced by some stage (the gate is what makes that stage upstream). Reported all
 * at once, located in the pipeline file.
 */
export function checkGates(stages: StageDef[], producersFor: (path: string) => string[]): void {
  const errors: UserError[] = [];
  for (const stage of stages) {
    const gate = stage.when;
    if (!gate) continue;
    try {
      parseGate(gate);
    } catch (e) {
      if (e instanceof UserErrors) errors.push(...e.errors);
      else if (e instanceof UserError) errors.push(e);
      else throw e;
    }
    for (const file of Object.values(gate.files)) {
      const producers = producersFor(file).filter((p) => p !== stage.name);
      if (producers.length === 0) {
        errors.push(new UserError(`gate of stage '${stage.name}' reads ${file}, which no stage produces (declare it in an upstream stage's outs or metrics)`, { pos: gate.pos }));
      }
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
}
