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
