// The checks the data-quality and tax forms make before sending, as the API makes them
// (docs/opening-lots.md, docs/expiries.md, docs/journal-rules.md), so a mistake is shown beside
// its field without a request. Prices are compared as integers × 10^4 (never floats).
import { toScaled } from "../positions/live";

const PRICE = /^\d+(\.\d{1,4})?$/;
const MAX_SETTLEMENT = 10_00_00_000n * 10_000n; // ₹10,00,00,000, scaled

/** A price "> 0" (or "≥ 0" with allowZero), at most 4 decimals, at most ₹10 crore; the error, or null. */
export function priceError(text: string, allowZero = false): string | null {
  const value = text.trim();
  if (!value) return "Enter a price.";
  if (!PRICE.test(value)) return "A price in rupees, with at most 4 decimals (e.g. 1450.5).";
  const scaled = toScaled(value) ?? 0n;
  if (!allowZero && scaled === 0n) return "The price must be more than 0.";
  if (scaled > MAX_SETTLEMENT) return "The price must be at most ₹10,00,00,000.";
  return null;
}

/** Whole units 1..10,000,000; the error, or null. */
export function quantityError(text: string): string | null {
  if (!/^\d+$/.test(text.trim())) return "Whole units (e.g. 10).";
  const units = Number(text.trim());
  if (units < 1 || units > 10_000_000) return "Between 1 and 1,00,00,000 units.";
  return null;
}

/** The IST calendar day of an ISO timestamp with its offset ("2025-03-03T10:00:00+05:30" → "2025-03-03"). */
export function istDay(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso.slice(0, 10);
  return new Date(time + 330 * 60_000).toISOString().slice(0, 10);
}

/** The day before a YYYY-MM-DD day. */
export function dayBefore(day: string): string {
  const time = Date.parse(`${day}T00:00:00Z`);
  return new Date(time - 86_400_000).toISOString().slice(0, 10);
}

/** An opening lot's acquisition day: a real day from 2000-01-01, before the sell's IST day; the error, or null. */
export function acquiredOnError(day: string, sellDay: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return "A day, YYYY-MM-DD.";
  if (new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) return "A day, YYYY-MM-DD.";
  if (day < "2000-01-01") return "From 2000-01-01.";
  if (day >= sellDay) return `Before the sell's day (${sellDay}), so the lot can cover it.`;
  return null;
}

/** The instrument key's symbol part ("EQ:INFY" → "INFY"), else the entry's symbol. */
export function lotSymbol(instrument: string, symbol: string): string {
  const [segment, name] = instrument.split(":");
  return segment === "EQ" && name ? name : symbol;
}

/** The API's FY parameter ("2024-25") of the FY starting in `startYear`. */
export function fyParam(startYear: number): string {
  return `${String(startYear)}-${String((startYear + 1) % 100).padStart(2, "0")}`;
}
