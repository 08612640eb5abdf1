// The worlds the retrain-policy study simulates, one registry: what the synthetic office looks
// like in each simulated month of each scenario, with the true labels (the study knows them all;
// a policy sees them only after the label delay). Pure: the same seed gives the same bytes.
//
// Every scenario but `seasonal` keeps the office in its stable winter regime, so the only
// change is the one the scenario is about. Months before 1 are the history the first model is
// trained on.
import type { Dataset } from '../../stages/lib/dataset.js';
import { deriveSeed, mulberry32, normal } from '../../stages/lib/prng.js';
import { generateMonth } from '../../stages/lib/synth.js';
import { calendarOf, FIRST_YEAR } from './calendar.js';

/** A change the study puts at a chosen month; latency is counted from `month`. */
export interface StudyEvent {
  name: string;
  month: number;
}

export interface Scenario {
  name: string;
  label: string;
  /** Simulated months (the default size of a full run). */
  months: number;
  /** The changes, for detection latency; none for `no-change`. */
  events(months: number): StudyEvent[];
  /** Calendar month (1-12) of simulated month `t` before any change the scenario adds. */
  calendarMonth(t: number): number;
  /** What the scenario does to the office's readings in simulated month `t`. */
  alter(ds: Dataset, t: number, seed: number): Dataset;
}

/** A winter month: the synthetic year's stable regime (January's profile). */
const WINTER_MONTH = 1;
/** The synthetic April has sensor faults; the seasonal scenario is about seasons only. */
const FAULTY_CALENDAR_MONTH = 4;

const unchanged = (ds: Dataset): Dataset => ds;

/** Months from the first simulated month of `start` on: ramp share of rows 0 → 1 over `length` months. */
function ramp(t: number, start: number, length: number): number {
  return Math.min(1, Math.max(0, (t - start + 1) / length));
}

/**
 * A concept change: daylight-linked automatic lighting keeps the lamps on in working hours
 * whether or not anyone is in (for `share` of such readings), so light stops meaning "occupied"
 * (P(y|x) changes); the other sensors are as before.
 */
export function automaticLighting(ds: Dataset, seed: number, share = 1): Dataset {
  const rand = mulberry32(seed);
  const light = ds.features.light.map((lux, i) => {
    const workHours = ds.features.weekday[i]! < 5 && ds.features.hour[i]! >= 7 && ds.features.hour[i]! < 19;
    const switched = rand() < share;
    return workHours && switched && ds.occupied[i] === 0 && lux < 250 ? Math.round((lux + normal(rand, 430, 30)) * 10) / 10 : lux;
  });
  return { ...ds, features: { ...ds.features, light } };
}

/**
 * A broken CO2 sensor and a loose temperature probe, not a change in the office: CO2 stuck on
 * one value for two weeks, impossible temperature spikes (outside params.yaml's quality range).
 * Occupancy and every other reading are what they would have been.
 */
export function sensorFault(ds: Dataset, seed: number): Dataset {
  const rand = mulberry32(seed);
  const stuckFrom = Math.floor(ds.timestamp.length / 4);
  const stuckTo = stuckFrom + Math.floor(ds.timestamp.length / 2);
  const co2 = ds.features.co2.map((v, i) => (i >= stuckFrom && i < stuckTo ? 451.3 : v));
  const temperature = ds.features.temperature.map((v) => (rand() < 0.01 ? 85 : v));
  return { ...ds, features: { ...ds.features, co2, temperature } };
}

function winter(): number {
  return WINTER_MONTH;
}

/** The seasonal scenario starts in April (the winter regime): spring at month 2, summer 3-5, autumn 6, winter again from month 7. */
const SEASON_FIRST_CALENDAR_MONTH = 4;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'no-change',
    label: 'no change',
    months: 7,
    events: () => [],
    calendarMonth: winter,
    alter: unchanged,
  },
  {
    name: 'seasonal',
    label: 'seasonal change only',
    months: 7,
    events: (months) => [{ name: 'spring', month: 2 }, { name: 'winter returns', month: 7 }].filter((e) => e.month <= months),
    calendarMonth: (t) => {
      const month = calendarOf(t, SEASON_FIRST_CALENDAR_MONTH).month;
      return month === FAULTY_CALENDAR_MONTH ? FAULTY_CALENDAR_MONTH - 1 : month;
    },
    alter: unchanged,
  },
  {
    name: 'abrupt',
    label: 'abrupt concept change',
    months: 7,
    events: (months) => [{ name: 'concept change', month: 4 }].filter((e) => e.month <= months),
    calendarMonth: winter,
    alter: (ds, t, seed) => (t >= 4 ? automaticLighting(ds, deriveSeed(seed, `study-lighting-${t}`)) : ds),
  },
  {
    name: 'gradual',
    label: 'gradual drift',
    months: 7,
    events: (months) => [{ name: 'drift begins', month: 3 }].filter((e) => e.month <= months),
    calendarMonth: winter,
    alter: (ds, t, seed) => (t >= 3 ? automaticLighting(ds, deriveSeed(seed, `study-lighting-${t}`), ramp(t, 3, 4)) : ds),
  },
  {
    name: 'sensor-fault',
    label: 'sensor fault (not a concept change)',
    months: 7,
    events: (months) => [{ name: 'sensor fault', month: 4 }].filter((e) => e.month <= months),
    calendarMonth: winter,
    alter: (ds, t, seed) => (t === 4 || t === 5 ? sensorFault(ds, deriveSeed(seed, `study-fault-${t}`)) : ds),
  },
];

export function scenarioByName(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario '${name}' (scenarios: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return scenario;
}

function firstCalendarMonth(scenario: Scenario): number {
  return scenario.name === 'seasonal' ? SEASON_FIRST_CALENDAR_MONTH : WINTER_MONTH;
}

/** The simulated month a row of `studyMonth` belongs to, from its timestamp (`YYYY-MM-…`). */
export function monthOfTimestamp(scenario: Scenario, timestamp: string): number {
  const index = (Number(timestamp.slice(0, 4)) - FIRST_YEAR) * 12 + Number(timestamp.slice(5, 7)) - 1;
  return index - (firstCalendarMonth(scenario) - 1) + 1;
}

export interface MonthShape {
  days: number;
  intervalMinutes: number;
}

/**
 * Simulated month `t` of a scenario, every row labelled. Each simulated month draws its own
 * stream, so no month repeats another; timestamps carry the simulated month's own calendar
 * position (year and month), so a window of several months sorts in time.
 */
export function studyMonth(scenario: Scenario, seed: number, t: number, shape: MonthShape): Dataset {
  const { year, month } = calendarOf(t, firstCalendarMonth(scenario));
  const profileMonth = scenario.calendarMonth(t);
  const streamSeed = deriveSeed(seed, `study-month-${t}`);
  const ds = generateMonth({ seed: streamSeed, year, month: profileMonth, days: shape.days, intervalMinutes: shape.intervalMinutes });
  const stamp = `${year}-${String(month).padStart(2, '0')}-`;
  const timestamp = ds.timestamp.map((ts) => stamp + ts.slice(8));
  return scenario.alter({ ...ds, timestamp }, t, seed);
}
