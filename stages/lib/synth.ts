// A synthetic office-occupancy source, modelled on the UCI occupancy data behind seed 000
// (temperature, humidity, light, CO2, humidity ratio; occupied 0/1), generated one month at a
// time from a seeded stream so that every month is reproducible on its own.
//
// The year is built to exercise a drift monitor:
//   months 1-3, 11-12  winter regime, stable: heating 22 °C occupied / 20.5 °C setback, little
//                      daylight, so office lighting means someone is in;
//   month 4            sensor faults: humidity dropouts (empty cells), the CO2 sensor stuck
//                      for a week, a few impossible temperature spikes;
//   months 5, 9, 10    transition: heating off or partial, more daylight;
//   months 6-8         summer: warm, humid, bright — daylight lights the empty office and
//                      occupants leave the lamps off, so light stops predicting occupancy
//                      (concept drift), and open windows flatten the CO2 rise.

import { emptyDataset, type Dataset } from './dataset.js';
import { deriveSeed, mulberry32, normal, type Uniform } from './prng.js';

interface MonthProfile {
  /** Heating holds setpoints; otherwise the room floats around `freeTemp` with the day. */
  heating: boolean;
  freeTemp: number;
  /** Peak indoor illuminance from windows at midday on a clear day (lux). */
  daylightPeak: number;
  sunrise: number;
  sunset: number;
  humidity: number;
  /** Share of the CO2 excess removed per 20 minutes (open windows in summer). */
  ventilation: number;
  /** What can go wrong with the sensors this month. */
  faults: boolean;
}

const WINTER: MonthProfile = {
  heating: true, freeTemp: 0, daylightPeak: 60, sunrise: 7.6, sunset: 16.9, humidity: 25, ventilation: 0.08, faults: false,
};

const PROFILES: Record<number, MonthProfile> = {
  1: WINTER,
  2: WINTER,
  3: WINTER,
  4: { ...WINTER, daylightPeak: 80, faults: true },
  5: { heating: false, freeTemp: 22, daylightPeak: 260, sunrise: 5.4, sunset: 20.6, humidity: 38, ventilation: 0.12, faults: false },
  6: { heating: false, freeTemp: 24, daylightPeak: 430, sunrise: 4.9, sunset: 21.2, humidity: 47, ventilation: 0.18, faults: false },
  7: { heating: false, freeTemp: 25.5, daylightPeak: 520, sunrise: 5.1, sunset: 21.1, humidity: 52, ventilation: 0.2, faults: false },
  8: { heating: false, freeTemp: 25, daylightPeak: 460, sunrise: 5.8, sunset: 20.4, humidity: 50, ventilation: 0.18, faults: false },
  9: { heating: false, freeTemp: 22.5, daylightPeak: 280, sunrise: 6.6, sunset: 19.3, humidity: 42, ventilation: 0.12, faults: false },
  10: { ...WINTER, daylightPeak: 140, humidity: 32, ventilation: 0.1 },
  11: WINTER,
  12: WINTER,
};

export const HEATING_SETPOINT_OCCUPIED = 22;
export const HEATING_SETPOINT_UNOCCUPIED = 20.5;
/** Occupants switch lamps on only when daylight is below this (lux). */
const LAMP_SWITCH_LUX = 250;
const OUTDOOR_CO2 = 420;

export interface GenerateOptions {
  seed: number;
  year: number;
  month: number;
  days: number;
  intervalMinutes: number;
}

/** Saturation vapour pressure over water (Pa), Magnus formula. */
function saturationPressure(tempC: number): number {
  return 610.94 * Math.exp((17.625 * tempC) / (tempC + 243.04));
}

/** kg of water per kg of dry air at sea-level pressure, from temperature and relative humidity. */
export function humidityRatio(tempC: number, relativeHumidity: number): number {
  const pw = (relativeHumidity / 100) * saturationPressure(tempC);
  return (0.622 * pw) / (101325 - pw);
}

interface DayPlan {
  arrive: number;
  leave: number;
  lunchFrom: number;
  lunchTo: number;
  /** Cleaners switch the lamps on in the empty office for 40 minutes on most workday evenings,
   *  so light alone is not a perfect signal even in winter. */
  cleanFrom: number;
  cloud: number;
}

function planDay(rand: Uniform, weekday: number): DayPlan {
  const cloud = 0.35 + 0.75 * rand();
  const workday = weekday < 5 && rand() > 0.03; // an occasional holiday
  if (workday) {
    const arrive = normal(rand, 8.3, 0.35);
    const leave = normal(rand, 17.6, 0.45);
    const lunch = rand() < 0.5;
    const lunchFrom = 12 + 0.5 * rand();
    const cleanFrom = rand() < 0.6 ? 18.7 + 1.3 * rand() : -1;
    return { arrive, leave, lunchFrom: lunch ? lunchFrom : 0, lunchTo: lunch ? lunchFrom + 0.6 : 0, cleanFrom, cloud };
  }
  if (rand() < 0.12) {
    const arrive = 10 + 2 * rand();
    return { arrive, leave: arrive + 1.5 + 2 * rand(), lunchFrom: 0, lunchTo: 0, cleanFrom: -1, cloud };
  }
  return { arrive: 0, leave: 0, lunchFrom: 0, lunchTo: 0, cleanFrom: -1, cloud };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Monday = 0 … Sunday = 6, from the calendar. */
export function weekdayOf(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

/** One month of readings, every `intervalMinutes`, over days 1..days. */
export function generateMonth(options: GenerateOptions): Dataset {
  const { year, month, days, intervalMinutes } = options;
  const profile = PROFILES[month];
  if (!profile) throw new Error(`no profile for month ${month}`);
  const rand = mulberry32(deriveSeed(options.seed, `occupancy-month-${month}`));
  const ds = emptyDataset();
  const slotsPerHour = 60 / intervalMinutes;
  const stepScale = intervalMinutes / 20; // the dynamics below are tuned per 20 minutes
  let temp = profile.heating ? HEATING_SETPOINT_UNOCCUPIED : profile.freeTemp - 1;
  let co2 = OUTDOOR_CO2 + 10;
  let occupancyHumidity = 0;
  const stuckCo2 = 451.3;
  for (let day = 1; day <= days; day++) {
    const weekday = weekdayOf(year, month, day);
    const plan = planDay(rand, weekday);
    const dayHumidity = normal(rand, 0, 0.4);
    for (let slot = 0; slot < 24 * slotsPerHour; slot++) {
      const h = slot / slotsPerHour;
      const occupied = h >= plan.arrive && h < plan.leave && !(h >= plan.lunchFrom && h < plan.lunchTo);
      const sun = Math.max(0, Math.sin((Math.PI * (h - profile.sunrise)) / (profile.sunset - profile.sunrise)));
      const daylight = h > profile.sunrise && h < profile.sunset ? profile.daylightPeak * sun * plan.cloud : 0;
      const cleaning = !occupied && plan.cleanFrom >= 0 && h >= plan.cleanFrom && h < plan.cleanFrom + 0.67;
      const lamps = (occupied || cleaning) && daylight < LAMP_SWITCH_LUX ? normal(rand, 430, 30) : 0;
      const light = Math.max(0, daylight + lamps + normal(rand, 0, 4));

      const dayCycle = Math.sin((Math.PI * (h - 8)) / 12); // warmest mid-afternoon
      // The heating follows a timetable (workdays 7:00-18:30), not the people; bodies add a little.
      const scheduled = weekday < 5 && h >= 7 && h < 18.5;
      const target = (profile.heating
        ? (scheduled ? HEATING_SETPOINT_OCCUPIED : HEATING_SETPOINT_UNOCCUPIED)
        : profile.freeTemp + 2.2 * dayCycle) + (occupied ? 0.5 : 0);
      temp += (target - temp) * Math.min(1, 0.35 * stepScale) + normal(rand, 0, 0.08);

      co2 += (occupied ? 35 * stepScale : 0) - (co2 - OUTDOOR_CO2) * Math.min(1, profile.ventilation * stepScale) + normal(rand, 0, 4);
      co2 = Math.max(OUTDOOR_CO2 - 20, co2);

      occupancyHumidity += ((occupied ? 1.2 : 0) - occupancyHumidity) * Math.min(1, 0.3 * stepScale);
      const humidity = profile.humidity + 1.5 * dayCycle + occupancyHumidity + dayHumidity + normal(rand, 0, 0.6);

      let temperatureReading = temp;
      let humidityReading = humidity;
      let co2Reading = co2;
      if (profile.faults) {
        // Humidity sensor dropouts: all of days 10-11 and scattered single readings.
        if (day === 10 || day === 11 || rand() < 0.02) humidityReading = Number.NaN;
        // The CO2 sensor freezes on one value for a week.
        if (day >= 15 && day <= 21) co2Reading = stuckCo2;
        // A handful of impossible spikes from a loose temperature probe.
        if (rand() < 0.0015) temperatureReading = 85;
      }
      ds.timestamp.push(`${year}-${pad2(month)}-${pad2(day)}T${pad2(Math.floor(h))}:${pad2((slot % slotsPerHour) * intervalMinutes)}`);
      ds.features.temperature.push(round(temperatureReading, 2));
      ds.features.humidity.push(round(humidityReading, 2));
      ds.features.light.push(round(light, 1));
      ds.features.co2.push(round(co2Reading, 1));
      ds.features.humidity_ratio.push(Number.isNaN(humidityReading) ? Number.NaN : round(humidityRatio(temp, humidityReading), 6));
      ds.features.hour.push(Math.floor(h));
      ds.features.weekday.push(weekday);
      ds.occupied.push(occupied ? 1 : 0);
    }
  }
  return ds;
}

/** Round the way the CSV writer will, so in-memory and on-disk data are the same numbers. */
function round(value: number, decimals: number): number {
  return Number.isNaN(value) ? value : Number(value.toFixed(decimals));
}
