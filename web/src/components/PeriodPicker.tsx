import { useId } from "react";
import "./PeriodPicker.css";
import { currentFyStart, fyLabel, periodError, shiftPeriod, type Period } from "../period";

export function PeriodPicker({ period, onChange }: { period: Period; onChange: (period: Period) => void }) {
  const id = useId();
  const thisFy = currentFyStart();
  const years = Array.from({ length: 6 }, (_, index) => thisFy - index);
  // a year reached with Previous/Next stays selectable
  if (period.kind === "fy" && !years.includes(period.startYear)) {
    years.push(period.startYear);
    years.sort((a, b) => b - a);
  }
  const unit = period.kind === "fy" ? "financial year" : "month";
  const error = periodError(period);
  const value = period.kind === "fy" ? `fy:${period.startYear}` : period.kind;
  return (
    <div className="picker">
      <label htmlFor={`${id}-kind`}>Period</label>
      <select
        id={`${id}-kind`}
        value={value}
        onChange={(event) => {
          const chosen = event.target.value;
          if (chosen === "all") onChange({ kind: "all" });
          else if (chosen === "month") onChange({ kind: "month", month: new Date().toISOString().slice(0, 7) });
          else if (chosen === "custom") onChange({ kind: "custom", from: "", to: "" });
          else onChange({ kind: "fy", startYear: Number(chosen.slice(3)) });
        }}
      >
        <option value="all">All time</option>
        {years.map((year) => (
          <option key={year} value={`fy:${year}`}>
            {fyLabel(year)}
          </option>
        ))}
        <option value="month">A month…</option>
        <option value="custom">Custom range…</option>
      </select>
      {period.kind === "month" && (
        <>
          <label htmlFor={`${id}-month`}>Month</label>
          <input
            id={`${id}-month`}
            type="month"
            value={period.month}
            onChange={(event) => {
              if (event.target.value) onChange({ kind: "month", month: event.target.value });
            }}
          />
        </>
      )}
      {(period.kind === "fy" || period.kind === "month") && (
        <span className="stepper">
          <button type="button" className="secondary" aria-label={`Previous ${unit}`} title={`Previous ${unit}`} onClick={() => onChange(shiftPeriod(period, -1))}>
            ‹
          </button>
          <button type="button" className="secondary" aria-label={`Next ${unit}`} title={`Next ${unit}`} onClick={() => onChange(shiftPeriod(period, 1))}>
            ›
          </button>
        </span>
      )}
      {period.kind === "custom" && (
        <>
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="date"
            value={period.from}
            max={period.to || undefined}
            onChange={(event) => onChange({ ...period, from: event.target.value })}
          />
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="date"
            value={period.to}
            min={period.from || undefined}
            onChange={(event) => onChange({ ...period, to: event.target.value })}
          />
        </>
      )}
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
    </div>
  );
}
