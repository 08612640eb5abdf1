// Seed 000's energy estimate: heating set back to the unoccupied setpoint whenever the model
// says the office is empty, against the counterfactual of holding the occupied setpoint all day.

import type { EnergyParams } from './params.js';

export interface EnergyEstimate {
  /** Hours the model would set the heating back. */
  setback_hours: number;
  /** Heating saved against never setting back (kWh). */
  saved_kwh: number;
  /** What a perfect occupancy signal would save (kWh). */
  oracle_saved_kwh: number;
  /** saved / oracle; above 1 when the model also sets back occupied time (at comfort's cost). */
  share_of_oracle: number;
  /** Readings where someone was in but the heating was set back. */
  comfort_violations: number;
  comfort_violation_hours: number;
  /** Readings where the office was empty but heated to the occupied setpoint. */
  missed_setbacks: number;
}

/** `predicted` and `actual` are 0/1 per reading; each reading covers `intervalHours`. */
export function estimateEnergy(predicted: readonly number[], actual: readonly number[], intervalHours: number, p: EnergyParams): EnergyEstimate {
  const kwhPerReading = (p.setpointOccupiedC - p.setpointUnoccupiedC) * intervalHours * p.kwhPerDegreeHour;
  let setback = 0;
  let oracle = 0;
  let violations = 0;
  let missed = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] === 0) setback++;
    if (actual[i] === 0) oracle++;
    if (predicted[i] === 0 && actual[i] === 1) violations++;
    if (predicted[i] === 1 && actual[i] === 0) missed++;
  }
  const saved = setback * kwhPerReading;
  const oracleSaved = oracle * kwhPerReading;
  return {
    setback_hours: setback * intervalHours,
    saved_kwh: saved,
    oracle_saved_kwh: oracleSaved,
    share_of_oracle: oracleSaved === 0 ? 0 : saved / oracleSaved,
    comfort_violations: violations,
    comfort_violation_hours: violations * intervalHours,
    missed_setbacks: missed,
  };
}
