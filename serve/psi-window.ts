// Each feature's PSI between the training reference and the most recent requests (a window of
// the last N rows), computed the way the drift stage computes it: reference-quantile bins for
// numerical features, category shares for hour and weekday (stages/lib/drift-*.ts).

import { FEATURES, type FeatureName } from '../stages/lib/dataset.js';
import { categoricalPsi } from '../stages/lib/drift-registry.js';
import { populationStabilityIndex } from '../stages/lib/drift-stats.js';

export type FeatureRow = Record<FeatureName, number>;

export interface PsiOptions {
  bins: number;
  epsilon: number;
}

/** A ring of the last `size` rows, one Float64Array per feature (NaN = missing reading). */
export class PsiWindow {
  private readonly values: Record<FeatureName, Float64Array>;
  private next = 0;
  private filled = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a whole number ≥ 1, got ${size}`);
    this.values = Object.fromEntries(FEATURES.map((f) => [f.name, new Float64Array(size)])) as Record<FeatureName, Float64Array>;
  }

  get rows(): number {
    return this.filled;
  }

  push(row: FeatureRow): void {
    for (const f of FEATURES) this.values[f.name][this.next] = row[f.name];
    this.next = (this.next + 1) % this.size;
    if (this.filled < this.size) this.filled++;
  }

  /** The window's present (non-missing) values of one feature, in no particular order. */
  present(name: FeatureName): number[] {
    const out: number[] = [];
    const column = this.values[name];
    for (let i = 0; i < this.filled; i++) if (!Number.isNaN(column[i]!)) out.push(column[i]!);
    return out;
  }

  /** PSI per feature against `reference` (present values per feature); features with no value
   *  in the window are left out. */
  psi(reference: Record<FeatureName, readonly number[]>, options: PsiOptions): Partial<Record<FeatureName, number>> {
    const out: Partial<Record<FeatureName, number>> = {};
    for (const f of FEATURES) {
      const current = this.present(f.name);
      const ref = reference[f.name];
      if (current.length === 0 || ref.length === 0) continue;
      out[f.name] = f.kind === 'numerical'
        ? populationStabilityIndex(ref, current, options.bins, options.epsilon).psi
        : categoricalPsi(ref, current, options.epsilon);
    }
    return out;
  }
}
