// Money arrives from the API as decimal strings ("-1234.5678"). These helpers never turn money into
// a float: they round exactly with BigInt and group the digits the Indian way (en-IN: 1,22,221.07).

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;
const grouping = new Intl.NumberFormat("en-IN");

/** The decimal string as an integer count of paise, rounded half away from zero; null if malformed. */
export function toPaise(value: string): bigint | null {
  const match = DECIMAL.exec(value.trim());
  if (!match) return null;
  const [, sign, whole = "0", fraction = ""] = match;
  const digits = (fraction + "000").slice(0, 3); // paise and the digit that rounds them
  let paise = BigInt(whole) * 100n + BigInt(digits.slice(0, 2));
  if (Number(digits[2]) >= 5) paise += 1n; // half away from zero, as Intl's default "halfExpand"
  return sign === "-" ? -paise : paise;
}

/** ₹1,22,221.07 / -₹500.00 (what Intl's en-IN INR currency format shows), or "—" when absent. */
export function formatInr(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const paise = toPaise(value);
  if (paise === null) return value;
  const negative = paise < 0n;
  const abs = negative ? -paise : paise;
  const rupees = grouping.format(abs / 100n);
  const cents = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}₹${rupees}.${cents}`;
}

/** The sign of a decimal string: 1, -1 or 0 (for P&L colours and their non-colour cue). */
export function signOf(value: string | null | undefined): -1 | 0 | 1 {
  const paise = value ? toPaise(value) : null;
  if (paise === null || paise === 0n) return 0;
  return paise > 0n ? 1 : -1;
}

/** A ratio for display (win rate 0.5 → "50.0%"); these are not money. */
export function formatPercent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? "—" : `${(ratio * 100).toFixed(1)}%`;
}

export function formatRatio(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(2);
}

/** Profit factor: the API's null with wins and no losses is "∞ (no losses)"; with no wins, "—". */
export function formatProfitFactor(value: number | null, wins: number, losses: number): string {
  return value === null && wins > 0 && losses === 0 ? "∞ (no losses)" : formatRatio(value);
}

const IST = new Intl.DateTimeFormat("en-IN", {
  timeZone: "Asia/Kolkata",
  day: "2-digit",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** An ISO date-time in IST: "01 Apr 2024, 09:15 IST (+05:30)"; `bare` leaves the zone to a column header. */
export function formatIst(iso: string | null | undefined, bare = false): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return bare ? IST.format(date) : `${IST.format(date)} IST (+05:30)`;
}
