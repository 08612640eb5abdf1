// Simulated months of the retrain-policy study mapped onto the synthetic office's calendar. Pure.

/** Calendar month in which the synthetic office's summer (its seasonal change) begins. */
export const SUMMER_CALENDAR_MONTH = 6;
export const FIRST_YEAR = 2024;

/** Calendar month of simulated month 1 so that simulated month `season` is the first of summer. */
export function firstCalendarMonthFor(season: number): number {
  return ((((SUMMER_CALENDAR_MONTH - season) % 12) + 12) % 12) + 1;
}

/** Year and calendar month (1-12) of simulated month `t` (any integer, months before 1 too). */
export function calendarOf(t: number, firstCalendarMonth: number): { year: number; month: number; yearIndex: number } {
  const index = firstCalendarMonth - 1 + t - 1;
  const yearIndex = Math.floor(index / 12);
  return { year: FIRST_YEAR + yearIndex, month: index - 12 * yearIndex + 1, yearIndex };
}
