// A calendar heatmap of daily net P&L: one small calendar per month, each day a square coloured by
// its size against the period's largest day (green gains, red losses), with a non-colour cue
// (▲/▼) and the best/worst day outlined. Keyboard: Tab reaches one day (a roving tabindex), arrow
// keys move by day and week, Home/End to the week's ends, PageUp/PageDown by month. Every day has
// an accessible label (its date, net P&L and trades), the same text as its tooltip.
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { DayPnl, PeriodOut } from "../api/types";
import { formatInr, signOf } from "../format";
import { buildCalendar, LEVELS, MAX_MONTHS, moveDay, type DayCell } from "../heatmap";
import { formatDay } from "../period";
import { Money } from "./Money";
import "./CalendarHeatmap.css";

const WEEKDAYS = [
  ["M", "Monday"],
  ["T", "Tuesday"],
  ["W", "Wednesday"],
  ["T", "Thursday"],
  ["F", "Friday"],
  ["S", "Saturday"],
  ["S", "Sunday"],
] as const;

const MONTH_FORMAT = new Intl.DateTimeFormat("en-IN", { month: "long", year: "numeric", timeZone: "UTC" });

function dateOf(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function describe(cell: DayCell, best: string | undefined, worst: string | undefined): string {
  const parts = [formatDay(cell.date)];
  if (cell.netPnl === null) parts.push("no trades");
  else {
    const sign = signOf(cell.netPnl);
    parts.push(`net P&L ${formatInr(cell.netPnl)}${sign > 0 ? " (gain)" : sign < 0 ? " (loss)" : " (flat)"}`);
    parts.push(`${String(cell.trades)} ${cell.trades === 1 ? "trade" : "trades"} closed`);
  }
  if (cell.date === best) parts.push("best day");
  if (cell.date === worst) parts.push("worst day");
  return parts.join(", ");
}

export interface CalendarHeatmapProps {
  days: PeriodOut[];
  /** The API's per-month totals (interval=month), shown in each month's caption when present. */
  months?: PeriodOut[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  bestDay?: DayPnl | null | undefined;
  worstDay?: DayPnl | null | undefined;
}

export default function CalendarHeatmap({ days, months, from, to, bestDay, worstDay }: CalendarHeatmapProps) {
  const id = useId();
  const calendar = useMemo(() => buildCalendar(days, from, to), [days, from, to]);
  const totals = useMemo(() => new Map((months ?? []).map((item) => [item.period.slice(0, 7), item])), [months]);
  const best = bestDay?.date;
  const worst = worstDay?.date;
  const inRange = (day: string | undefined) => !!calendar && !!day && day >= calendar.from && day <= calendar.to;
  const lastTraded = days.filter((day) => inRange(day.period)).at(-1)?.period;
  const initial = (inRange(best) ? best : lastTraded) ?? calendar?.to ?? "";
  const [active, setActive] = useState(initial);
  const [hovered, setHovered] = useState<string | null>(null);
  const moved = useRef(false);
  const grid = useRef<HTMLDivElement>(null);

  // A new period: the active day starts again from its best (or last traded) day
  const current = inRange(active) ? active : initial;

  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    grid.current?.querySelector<HTMLElement>(`[data-date="${current}"]`)?.focus();
  }, [current]);

  if (!calendar) return null;
  const cells = new Map<string, DayCell>();
  for (const month of calendar.months) {
    for (const week of month.weeks) for (const cell of week) if (cell) cells.set(cell.date, cell);
  }
  const shown = cells.get(hovered ?? current);

  function onKeyDown(event: KeyboardEvent<HTMLTableCellElement>, day: string) {
    if (!calendar) return;
    const next = moveDay(day, event.key, calendar.from, calendar.to);
    if (next === null) return;
    event.preventDefault();
    moved.current = true;
    setActive(next);
  }

  return (
    <div className="heatmap" data-testid="heatmap">
      <p id={`${id}-help`} className="muted small">
        Each square is a day, coloured by its net P&amp;L against the period&apos;s largest day (▲ gain, ▼ loss;
        outlined: best and worst day). Arrow keys move between days, Page Up/Down between months.
        {calendar.truncated && ` Showing the last ${String(MAX_MONTHS)} months of the period; pick a financial year or a month to see earlier ones.`}
      </p>
      <div className="months" ref={grid}>
        {calendar.months.map((month) => {
          const total = totals.get(month.month);
          return (
            <table key={month.month} className="month" aria-describedby={`${id}-help`}>
              <caption>
                {MONTH_FORMAT.format(dateOf(`${month.month}-01`))}
                {total && (total.trades > 0 || signOf(total.netPnl) !== 0) && (
                  <>
                    {" "}
                    <Money value={total.netPnl} pnl />
                  </>
                )}
              </caption>
              <thead>
                <tr>
                  {WEEKDAYS.map(([short, name]) => (
                    <th key={name} scope="col" abbr={name}>
                      <span aria-hidden="true">{short}</span>
                      <span className="sr-only">{name}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {month.weeks.map((week, index) => (
                  <tr key={index}>
                    {week.map((cell, slot) =>
                      cell ? (
                        <td
                          key={cell.date}
                          data-date={cell.date}
                          data-level={cell.level}
                          data-traded={cell.netPnl !== null}
                          className={[
                            "day",
                            cell.netPnl === null ? "none" : `l${String(cell.level)}`,
                            cell.date === best ? "best" : "",
                            cell.date === worst ? "worst" : "",
                          ]
                            .filter(Boolean)
                            .join(" ")}
                          tabIndex={cell.date === current ? 0 : -1}
                          aria-label={describe(cell, best, worst)}
                          title={describe(cell, best, worst)}
                          onFocus={() => setActive(cell.date)}
                          onKeyDown={(event) => onKeyDown(event, cell.date)}
                          onMouseEnter={() => setHovered(cell.date)}
                          onMouseLeave={() => setHovered(null)}
                        >
                          <span aria-hidden="true">
                            {Number(cell.date.slice(8))}
                            {cell.level !== 0 && <span className="cue">{cell.level > 0 ? "▲" : "▼"}</span>}
                          </span>
                        </td>
                      ) : (
                        <td key={`empty-${String(slot)}`} className="day out" aria-hidden="true" />
                      ),
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          );
        })}
      </div>
      <p className="heatmap-detail" aria-hidden="true" data-testid="heatmap-detail">
        {shown ? describe(shown, best, worst) : " "}
      </p>
      <div className="legend" aria-hidden="true">
        <span>Loss</span>
        {Array.from({ length: LEVELS }, (_, index) => (
          <span key={`loss-${String(index)}`} className={`day l-${String(LEVELS - index)}`} />
        ))}
        <span className="day none" />
        {Array.from({ length: LEVELS }, (_, index) => (
          <span key={`gain-${String(index)}`} className={`day l${String(index + 1)}`} />
        ))}
        <span>Gain</span>
      </div>
    </div>
  );
}
