// Which simulated months a policy may see, and with which labels, in the run for month t. Pure.

/** Months in the training (reference) window before the newest labelled month. */
export const REFERENCE_WINDOW_MONTHS = 3;

export interface LabelWindow {
  /** Labelled months of data/reference.csv, oldest first. */
  reference: number[];
  /** The newest month whose labels have arrived: t − delay. */
  labelled: number;
  /** Month t itself, without labels, when its labels are still to come (delay > 0). */
  unlabelled?: number;
}

/** Labels of month m arrive `delay` months later: in month t, months ≤ t − delay are labelled. */
export function labelWindow(t: number, delay: number): LabelWindow {
  const labelled = t - delay;
  const reference = Array.from({ length: REFERENCE_WINDOW_MONTHS }, (_, i) => labelled - REFERENCE_WINDOW_MONTHS + i);
  return delay > 0 ? { reference, labelled, unlabelled: t } : { reference, labelled };
}
