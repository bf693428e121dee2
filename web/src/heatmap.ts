// The calendar heatmap's model: the API's daily net P&L (GET /v1/analytics/timeseries?interval=day)
// laid out as month calendars (weeks Monday to Sunday), each day bucketed into a colour level by
// its size against the period's largest day. Amounts stay decimal strings: the levels compare
// exact paise (BigInt), never floats.
import type { PeriodOut } from "./api/types";
import { toPaise } from "./format";

/** At most this many months are drawn; a longer period shows its last months. */
export const MAX_MONTHS = 12;
/** Colour levels on each side of zero: 1 (small) … LEVELS (the period's largest day). */
export const LEVELS = 4;

export interface DayCell {
  date: string; // YYYY-MM-DD (an IST day)
  netPnl: string | null; // null: no trade closed and nothing realised that day
  trades: number; // trades closed that day
  level: number; // -LEVELS…LEVELS; 0: flat or no trading
}

export interface MonthGrid {
  month: string; // YYYY-MM
  weeks: (DayCell | null)[][]; // 7 slots a week, Monday first; null outside the month or the range
}

export interface Calendar {
  from: string;
  to: string;
  months: MonthGrid[];
  truncated: boolean; // the range was longer than MAX_MONTHS: only its last months are here
}

function utc(day: string): Date {
  const [year = 1970, month = 1, date = 1] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date));
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = utc(day);
  date.setUTCDate(date.getUTCDate() + days);
  return iso(date);
}

/** The same day of the month `months` later (the month's last day when it is shorter). */
export function addMonths(day: string, months: number): string {
  const date = utc(day);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), last));
  return iso(target);
}

/** Monday 0 … Sunday 6. */
export function weekdayOf(day: string): number {
  return (utc(day).getUTCDay() + 6) % 7;
}

function lastOfMonth(month: string): string {
  const [year = 1970, number = 1] = month.split("-").map(Number);
  return iso(new Date(Date.UTC(year, number, 0)));
}

function monthsFrom(first: string, last: string): string[] {
  const months: string[] = [];
  let [year = 1970, month = 1] = first.split("-").map(Number);
  for (;;) {
    const text = `${String(year)}-${String(month).padStart(2, "0")}`;
    if (text > last) return months;
    months.push(text);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/**
 * The colour level of an amount against the period's largest absolute day, both in paise:
 * ceil(LEVELS × |amount| / largest), with the amount's sign; 0 for a flat day.
 */
export function levelOf(paise: bigint, largest: bigint): number {
  if (paise === 0n || largest <= 0n) return 0;
  const size = paise < 0n ? -paise : paise;
  const scale = BigInt(LEVELS);
  let level = Number((scale * size + largest - 1n) / largest);
  level = Math.min(LEVELS, Math.max(1, level));
  return paise < 0n ? -level : level;
}

/**
 * The month calendars of the days `from`…`to` (inclusive) with the series' days in them; without
 * either end, the first or last month of the series stands in (whole). Null when there is nothing
 * to lay out. Weeks with no day in the range are left out.
 */
export function buildCalendar(items: PeriodOut[], from?: string, to?: string): Calendar | null {
  const days = items.filter((item) => /^\d{4}-\d{2}-\d{2}$/.test(item.period));
  const sorted = days.map((item) => item.period).sort();
  // an open end shows the whole month of the series' first or last day
  const firstDay = sorted[0];
  const lastDay = sorted[sorted.length - 1];
  let first = from ?? (firstDay ? `${firstDay.slice(0, 7)}-01` : undefined);
  const last = to ?? (lastDay ? lastOfMonth(lastDay.slice(0, 7)) : undefined);
  if (!first || !last || first > last) return null;
  let truncated = false;
  const allMonths = monthsFrom(first.slice(0, 7), last.slice(0, 7));
  if (allMonths.length > MAX_MONTHS) {
    truncated = true;
    first = `${allMonths[allMonths.length - MAX_MONTHS] ?? first.slice(0, 7)}-01`;
  }
  const byDay = new Map(days.map((item) => [item.period, item]));
  let largest = 0n;
  for (const item of days) {
    if (item.period < first || item.period > last) continue;
    const paise = toPaise(item.netPnl) ?? 0n;
    const size = paise < 0n ? -paise : paise;
    if (size > largest) largest = size;
  }
  const months = monthsFrom(first.slice(0, 7), last.slice(0, 7)).map((month): MonthGrid => {
    const start = `${month}-01` < first ? first : `${month}-01`;
    const end = lastOfMonth(month) > last ? last : lastOfMonth(month);
    const weeks: (DayCell | null)[][] = [];
    let week: (DayCell | null)[] = Array.from({ length: weekdayOf(`${month}-01`) }, () => null);
    for (let day = `${month}-01`; day <= lastOfMonth(month); day = addDays(day, 1)) {
      if (day < start || day > end) {
        week.push(null);
      } else {
        const item = byDay.get(day);
        const paise = item ? (toPaise(item.netPnl) ?? 0n) : 0n;
        // the series fills quiet days with zeros: a day traded if a trade closed or P&L was realised
        const traded = item !== undefined && (item.trades > 0 || paise !== 0n);
        week.push({
          date: day,
          netPnl: traded ? item.netPnl : null,
          trades: traded ? item.trades : 0,
          level: levelOf(paise, largest),
        });
      }
      if (week.length === 7) {
        weeks.push(week);
        week = [];
      }
    }
    if (week.length > 0) weeks.push([...week, ...Array.from({ length: 7 - week.length }, () => null)]);
    // weeks wholly outside the range take no room
    return { month, weeks: weeks.filter((slots) => slots.some((cell) => cell !== null)) };
  });
  return { from: first, to: last, months, truncated };
}

/** Where a key moves the heatmap's focus from `day`, kept within `from`…`to`; null: not a move. */
export function moveDay(day: string, key: string, from: string, to: string): string | null {
  let next: string;
  switch (key) {
    case "ArrowLeft":
      next = addDays(day, -1);
      break;
    case "ArrowRight":
      next = addDays(day, 1);
      break;
    case "ArrowUp":
      next = addDays(day, -7);
      break;
    case "ArrowDown":
      next = addDays(day, 7);
      break;
    case "Home":
      next = addDays(day, -weekdayOf(day));
      break;
    case "End":
      next = addDays(day, 6 - weekdayOf(day));
      break;
    case "PageUp":
      next = addMonths(day, -1);
      break;
    case "PageDown":
      next = addMonths(day, 1);
      break;
    default:
      return null;
  }
  if (next < from) return from;
  if (next > to) return to;
  return next;
}
