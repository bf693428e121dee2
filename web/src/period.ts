// The dashboard's period: a financial year (1 Apr – 31 Mar, India), a calendar month, a custom
// range of days (either end may be open), or all time,
// as the API's ?from=&to= (whole IST days).

export type Period =
  | { kind: "all" }
  | { kind: "fy"; startYear: number }
  | { kind: "month"; month: string }
  | { kind: "custom"; from: string; to: string };

export function currentFyStart(today: Date = new Date()): number {
  return today.getMonth() >= 3 ? today.getFullYear() : today.getFullYear() - 1;
}

export function fyLabel(startYear: number): string {
  return `FY ${startYear}-${String((startYear + 1) % 100).padStart(2, "0")}`;
}

export function range(period: Period): { from?: string; to?: string } {
  switch (period.kind) {
    case "all":
      return {};
    case "fy":
      return { from: `${period.startYear}-04-01`, to: `${period.startYear + 1}-03-31` };
    case "month": {
      const [year, month] = period.month.split("-").map(Number);
      if (!year || !month) return {};
      const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
      return { from: `${period.month}-01`, to: `${period.month}-${String(last).padStart(2, "0")}` };
    }
    case "custom":
      return { ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) };
  }
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD (2024-02-30 is not one). */
export function isIsoDay(text: string): boolean {
  const match = ISO_DAY.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** What is wrong with the period as the user typed it (a custom range's ends), or null. */
export function periodError(period: Period): string | null {
  if (period.kind === "month" && !/^\d{4}-(0[1-9]|1[0-2])$/.test(period.month)) return "Choose a month.";
  if (period.kind !== "custom") return null;
  if (period.from && !isIsoDay(period.from)) return "The start is not a date (YYYY-MM-DD).";
  if (period.to && !isIsoDay(period.to)) return "The end is not a date (YYYY-MM-DD).";
  if (period.from && period.to && period.from > period.to) return "The start is after the end.";
  return null;
}

/** The same kind of period `step` financial years or months later (earlier when negative). */
export function shiftPeriod(period: Period, step: number): Period {
  if (period.kind === "fy") return { kind: "fy", startYear: period.startYear + step };
  if (period.kind === "month") {
    const [year, month] = period.month.split("-").map(Number);
    if (!year || !month) return period;
    const shifted = new Date(Date.UTC(year, month - 1 + step, 1));
    return { kind: "month", month: shifted.toISOString().slice(0, 7) };
  }
  return period;
}

/** A short name of the period for headings and labels. */
export function periodLabel(period: Period): string {
  switch (period.kind) {
    case "all":
      return "All time";
    case "fy":
      return fyLabel(period.startYear);
    case "month": {
      const [year, month] = period.month.split("-").map(Number);
      if (!year || !month) return period.month;
      return new Date(Date.UTC(year, month - 1, 1)).toLocaleString("en-IN", {
        month: "long",
        year: "numeric",
        timeZone: "UTC",
      });
    }
    case "custom":
      return `${period.from || "the start"} to ${period.to || "today"}`;
  }
}

const DAY_NAME = new Intl.DateTimeFormat("en-IN", {
  weekday: "short",
  day: "2-digit",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});

/** An IST calendar day (YYYY-MM-DD) for reading: "Fri, 05 Apr 2024"; anything else as it is. */
export function formatDay(day: string): string {
  if (!isIsoDay(day)) return day;
  const parts = Object.fromEntries(
    DAY_NAME.formatToParts(new Date(`${day}T00:00:00Z`)).map((part) => [part.type, part.value]),
  );
  return `${parts.weekday ?? ""}, ${parts.day ?? ""} ${parts.month ?? ""} ${parts.year ?? ""}`;
}
