// Live marks for open positions: the WebSocket's `quote` frames (docs/websocket.md) applied to
// the API's positions with exact integer money (decimal strings scaled by 10^4 as BigInt, as the
// API computes them: tradetrack/positions.py). Never a float for money.
import type { PortfolioOut, PositionOut } from "../api/types";

/** A quote as the WebSocket pushes it (a `quote` frame, or one of a `subscribed` frame's `quotes`). */
export interface LiveQuote {
  symbol: string; // EXCHANGE:SYMBOL, upper case
  ltp: string;
  change: string | null; // ltp − previous close, per unit
  ts: string | null; // when it was quoted (IST ISO)
  /** When this tab received it (ms since the epoch): the price's age counts from here. */
  receivedAt: number;
}

/** No tick for this long: the price is marked stale (the API's STALE_AFTER_S; the feed ticks at least once a minute). */
export const STALE_AFTER_S = 90;

/** Exchanges whose quantities are lots (MCX, currency): the API's multiplier is not in its answer. */
const LOT_EXCHANGES = new Set(["MCX", "CDS", "BCD"]);

const SCALE = 10_000n;
const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** A decimal string as an integer scaled by 10^4 (exact to 4 places; more places are truncated); null if malformed. */
export function toScaled(value: string | null | undefined): bigint | null {
  if (value === null || value === undefined) return null;
  const match = DECIMAL.exec(value.trim());
  if (!match) return null;
  const [, sign, whole = "0", fraction = ""] = match;
  const scaled = BigInt(whole) * SCALE + BigInt((fraction + "0000").slice(0, 4));
  return sign === "-" ? -scaled : scaled;
}

/** An integer scaled by 10^4 as a decimal string without trailing zeros ("-1234.5", "10"). */
export function fromScaled(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const fraction = (abs % SCALE).toString().padStart(4, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${(abs / SCALE).toString()}${fraction ? `.${fraction}` : ""}`;
}

/** The symbol a position's quotes come under: EXCHANGE:SYMBOL. */
export function quoteKey(position: { exchange: string; symbol: string }): string {
  return `${position.exchange}:${position.symbol}`.toUpperCase();
}

/** The distinct symbols to subscribe to, sorted (at most 100 per connection: the API's limit). */
export function symbolsOf(positions: { exchange: string; symbol: string }[]): string[] {
  return [...new Set(positions.map(quoteKey))].sort().slice(0, 100);
}

/**
 * The quotes a `quote` or `subscribed` frame carries; [] for any other frame or a malformed one.
 * A pushed tick counts from `receivedAt`; a subscribe reply's snapshot is the last known quote
 * (outside market hours, the last close's), so it counts from its own `ts` when that is earlier.
 */
export function quotesOf(frame: Record<string, unknown>, receivedAt: number): LiveQuote[] {
  const raw = frame.type === "quote" ? [frame] : frame.type === "subscribed" && Array.isArray(frame.quotes) ? frame.quotes : [];
  const quotes: LiveQuote[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { symbol, ltp, change, ts } = item as Record<string, unknown>;
    if (typeof symbol !== "string" || typeof ltp !== "string" || toScaled(ltp) === null) continue;
    quotes.push({
      symbol: symbol.toUpperCase(),
      ltp,
      change: typeof change === "string" && toScaled(change) !== null ? change : null,
      ts: typeof ts === "string" ? ts : null,
      receivedAt: frame.type === "subscribed" ? quotedAt(ts, receivedAt) : receivedAt,
    });
  }
  return quotes;
}

function quotedAt(ts: unknown, receivedAt: number): number {
  const time = typeof ts === "string" ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(time) ? receivedAt : Math.min(time, receivedAt);
}

export interface LiveMark {
  lastPrice: string;
  unrealizedPnl: string;
  dayChange: string | null;
  /** Seconds since the price was quoted/received; null: no quote at all (the last fill's price). */
  ageS: number | null;
  stale: boolean;
  /** The price came over the WebSocket (rather than the API's read). */
  live: boolean;
  /** P&L is the API's figure at its read (lot-sized contracts: their multiplier is not known here). */
  pnlAsRead: boolean;
}

/**
 * The position marked at the live quote when there is one: unrealized P&L moves by
 * (live − read price) × quantity exactly (the API's own value − cost, with the same multiplier 1);
 * day change is the quote's change × quantity. Without a live quote: the API's figures, aged
 * from when they were read.
 */
export function markPosition(position: PositionOut, quote: LiveQuote | undefined, readAt: number, now: number): LiveMark {
  const lots = LOT_EXCHANGES.has(position.exchange.toUpperCase());
  const live = toScaled(quote?.ltp);
  const read = toScaled(position.lastPrice);
  const unrealized = toScaled(position.unrealizedPnl);
  if (quote && live !== null && read !== null && unrealized !== null) {
    const quantity = BigInt(position.quantity);
    const change = toScaled(quote.change);
    const ageS = Math.max(0, Math.floor((now - quote.receivedAt) / 1000));
    return {
      lastPrice: quote.ltp,
      unrealizedPnl: lots ? position.unrealizedPnl : fromScaled(unrealized + (live - read) * quantity),
      dayChange: lots ? position.dayChange : change === null ? position.dayChange : fromScaled(change * quantity),
      ageS,
      stale: ageS > STALE_AFTER_S,
      live: true,
      pnlAsRead: lots,
    };
  }
  const ageS = position.lastPriceAgeS === null ? null : position.lastPriceAgeS + Math.max(0, Math.floor((now - readAt) / 1000));
  return {
    lastPrice: position.lastPrice,
    unrealizedPnl: position.unrealizedPnl,
    dayChange: position.dayChange,
    ageS,
    stale: ageS === null || ageS > STALE_AFTER_S,
    live: false,
    pnlAsRead: false,
  };
}

/** "12 s", "3 min", "2 h 5 min", "no quote". */
export function formatAge(ageS: number | null): string {
  if (ageS === null) return "no quote";
  if (ageS < 120) return `${ageS} s`;
  const minutes = Math.floor(ageS / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

export interface PortfolioTotals {
  totalInvested: string;
  totalValue: string;
  unrealizedPnl: string;
  dayChange: string | null;
  stale: boolean;
}

/**
 * The portfolio's totals at live prices: equity delivery holdings (multiplier 1), each worth
 * price × quantity; invested is the API's (cost does not move with the price).
 */
export function portfolioTotals(portfolio: PortfolioOut, marks: Map<string, LiveMark>): PortfolioTotals {
  let value = 0n;
  let dayChange: bigint | null = 0n;
  let stale = false;
  for (const holding of portfolio.holdings) {
    const mark = marks.get(markKey(holding));
    const price = toScaled(mark?.lastPrice ?? holding.lastPrice) ?? 0n;
    value += price * BigInt(holding.quantity);
    const change = toScaled(mark?.dayChange ?? holding.dayChange);
    dayChange = dayChange === null || change === null ? null : dayChange + change;
    stale ||= mark ? mark.stale : holding.lastPriceStale;
  }
  const invested = toScaled(portfolio.totalInvested) ?? 0n;
  return {
    totalInvested: portfolio.totalInvested,
    totalValue: fromScaled(value),
    unrealizedPnl: fromScaled(value - invested),
    dayChange: dayChange === null ? null : fromScaled(dayChange),
    stale,
  };
}

/** A position's key in the marks map: its account and symbol. */
export function markKey(position: { accountId: string; exchange: string; symbol: string }): string {
  return `${position.accountId}|${quoteKey(position)}`;
}
