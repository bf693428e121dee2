// The API's shapes this app reads (from GET /v1/openapi.json). Money fields are decimal strings.

export type Money = string;

export interface TokenPair {
  accessToken: string;
  refreshToken: string | null;
  tokenType: "Bearer";
  expiresIn: number;
}

export interface UserOut {
  userId: string;
  email: string;
  name: string;
}

export interface DayPnl {
  date: string;
  netPnl: Money;
}

/** The figures of a set of closed trades: the summary's and each breakdown group's. */
export interface Stats {
  realizedPnl: Money;
  charges: Money;
  netPnl: Money;
  closedTrades: number;
  wins: number;
  losses: number;
  breakeven: number;
  winRate: number | null;
  avgWin: Money | null;
  avgLoss: Money | null;
  profitFactor: number | null;
  expectancy: Money | null;
  maxDrawdown: Money;
  bestDay: DayPnl | null;
  worstDay: DayPnl | null;
}

export interface SummaryOut extends Stats {
  chargesEstimated: Money;
  openPositions: number;
  computedAt: string;
}

export interface PeriodOut {
  period: string;
  netPnl: Money;
  cumulativePnl: Money;
  drawdown: Money;
  trades: number;
}

export interface TimeseriesOut {
  interval: "day" | "week" | "month";
  items: PeriodOut[];
}

export type TradeStatus = "open" | "closed";

export interface TradeOut {
  tradeId: string;
  accountId: string;
  symbol: string;
  exchange: string;
  segment: string;
  direction: "LONG" | "SHORT";
  status: TradeStatus;
  category: "intraday" | "swing" | "long_term";
  openedAt: string;
  closedAt: string | null;
  quantity: number;
  openQuantity: number;
  avgEntry: Money | null;
  avgExit: Money | null;
  realizedPnl: Money;
  charges: Money;
  netPnl: Money;
  holdingDays: number;
}

export interface TradePage {
  items: TradeOut[];
  nextCursor: string | null;
}

export type ImportFormat = "zerodha_tradebook" | "upstox_trades" | "generic";

export interface ImportRequest {
  format: ImportFormat;
  csv: string;
  accountId?: string;
}

export interface ImportReport {
  imported: number;
  duplicates: number;
  rejected: { line: number; reason: string }[];
  rejectedCount: number;
  instruments: number;
  unmatchedExits: number;
  unmatchedUnits: number;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown[] };
}

export type GroupBy = "category" | "symbol" | "weekday" | "hour";

export interface GroupOut extends Stats {
  key: string;
}

export interface BreakdownOut {
  groupBy: GroupBy;
  items: GroupOut[];
}

export interface PositionOut {
  symbol: string;
  exchange: string;
  segment: string;
  accountId: string;
  quantity: number;
  avgPrice: Money;
  lastPrice: Money;
  lastPriceStale: boolean;
  lastPriceAgeS: number | null;
  unrealizedPnl: Money;
  dayChange: Money | null;
}

export interface PositionList {
  items: PositionOut[];
}
