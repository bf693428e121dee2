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
  isFno: boolean;
  executionIds: string[];
  notes: string;
  tags: string[];
  strategy: string | null;
}

export type Category = TradeOut["category"];

/** PATCH /v1/trades/{tradeId}: a field left out is unchanged; null clears it (category: automatic). */
export interface PatchTradeRequest {
  category?: Category | null;
  notes?: string | null;
  tags?: string[] | null;
  strategy?: string | null;
}

export interface ExecutionOut {
  executionId: string;
  accountId: string;
  source: string;
  externalId: string;
  symbol: string;
  exchange: string;
  segment: string;
  side: "BUY" | "SELL";
  quantity: number;
  price: Money;
  fees: Money;
  /** false: the broker gave no fees (fees is 0 and the trade's charges are estimated) */
  feesGiven: boolean;
  executedAt: string;
  product?: string | null;
  isin?: string | null;
}

export interface ExecutionPage {
  items: ExecutionOut[];
  nextCursor: string | null;
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

// Brokers (GET /v1/brokers, /v1/broker-accounts…; docs/brokers.md)
export type BrokerName = "zerodha" | "upstox" | "simulated" | "angelone" | "breeze" | "sharekhan";
export type BrokerAccountStatus = "pending" | "active" | "needs_login" | "error";

export interface BrokerInfo {
  broker: BrokerName;
  name: string;
  loginExpires: string;
  capabilities: { sync: boolean; historicalTrades: boolean; exactCharges: boolean; positions: boolean; holdings: boolean };
}

export interface BrokerAccountOut {
  accountId: string;
  broker: BrokerName;
  brokerUserId: string | null;
  status: BrokerAccountStatus;
  lastSyncAt: string | null;
  lastSyncStatus?: string | null;
  lastError?: string | null;
  tokenExpiresAt: string | null;
  createdAt: string;
  backfill?: Record<string, unknown> | null;
}

export interface ConnectOut {
  accountId: string;
  loginUrl: string;
  stateExpiresIn: number;
}

export interface SyncLogOut {
  syncId: string;
  reason?: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: "queued" | "running" | "success" | "failed" | "needs_login" | "skipped";
  fetched: number;
  sent: number;
  inserted: number;
  duplicates: number;
  rejectedFills: Record<string, unknown>[];
  error?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

// Alerts (POST/GET /v1/alerts, DELETE /v1/alerts/{id})
export interface AlertOut {
  alertId: string;
  symbol: string;
  condition: "above" | "below" | "pct_change_above" | "pct_change_below";
  value: string;
  channels: ("email" | "sms" | "push")[];
  repeat: boolean;
  status: "active" | "triggered";
  createdAt: string;
  triggeredAt?: string | null;
  triggerCount: number;
}

// Notifications inbox (GET /v1/notifications, POST /v1/notifications/{id}/read)
export interface NotificationOut {
  notificationId: string;
  type: string;
  title: string;
  message: string;
  data: Record<string, unknown>;
  createdAt: string;
  readAt?: string | null;
  deliveries: Record<string, { status: "sent" | "failed" | "skipped" | "retrying"; reason?: string | null }>;
}

// The user (GET/PATCH /v1/me)
export type NotificationType =
  | "trade_confirmation"
  | "price_alert"
  | "sync_failed"
  | "needs_login"
  | "daily_summary"
  | "report_ready";

export interface NotificationPrefs {
  email: boolean;
  sms: boolean;
  push: boolean;
  types: Partial<Record<NotificationType, boolean>>;
}

export interface MeOut extends UserOut {
  phone?: string | null;
  phoneVerified: boolean;
  role: "user" | "admin";
  timezone: string;
  capital?: Money | null;
  notificationPrefs: NotificationPrefs;
}

// Portfolio (GET /v1/portfolio; docs/market.md "Marks and staleness")
export interface HoldingOut extends PositionOut {
  invested: Money;
  currentValue: Money;
}

export interface PortfolioOut {
  holdings: HoldingOut[];
  totalInvested: Money;
  totalValue: Money;
  unrealizedPnl: Money;
  dayChange: Money | null;
  lastPriceStale: boolean;
  lastPriceAgeS: number | null;
}

// Tax P&L (GET /v1/analytics/tax-pnl?fy=2024-25; docs/journal-rules.md "Sales and tax")
export type TaxHead = "speculative" | "stcg" | "ltcg" | "non_speculative";
export type TaxBucket = "before_2024_07_23" | "from_2024_07_23";

export interface TaxHeadOut {
  realizedPnl: Money;
  charges: Money;
  netPnl: Money;
  turnover: Money;
  trades: number;
}

export interface TaxBucketOut {
  bucket: TaxBucket;
  rate: string;
  realizedPnl: Money;
  charges: Money;
  netPnl: Money;
  sales: number;
}

export interface TaxRowOut {
  tradeId: string;
  symbol: string;
  exchange: string;
  isin?: string | null;
  head: TaxHead;
  bucket?: TaxBucket | null;
  openedAt: string;
  closedAt: string;
  acquiredOn: string;
  soldOn: string;
  holdingDays: number;
  quantity: number;
  buyValue: Money;
  sellValue: Money;
  cost: Money;
  grandfathered: boolean;
  realizedPnl: Money;
  charges: Money;
  netPnl: Money;
}

export interface TaxPnlOut {
  fy: string;
  speculative: TaxHeadOut;
  stcg: TaxHeadOut;
  ltcg: TaxHeadOut;
  nonSpeculative: TaxHeadOut;
  stcgBuckets: TaxBucketOut[];
  ltcgBuckets: TaxBucketOut[];
  ltcgExemption: Money | null;
  needsFmv: { isin: string | null; symbol: string }[];
  items: TaxRowOut[];
  computedAt: string;
  cached: boolean;
}

// Data quality (GET /v1/data-quality; docs/data-quality.md)
export interface UnmatchedExit {
  accountId: string;
  instrument: string;
  symbol: string;
  executionId: string;
  quantity: number;
  unitsNeeded: number;
  price: Money;
  executedAt: string;
  resolve: string;
}

export interface ExpiredContract {
  accountId: string;
  instrument: string;
  symbol: string;
  exchange: string;
  underlying: string;
  expiry: string;
  resolve: string;
}

export interface OrphanedAnnotation {
  accountId: string;
  instrument: string;
  symbol: string;
  anchor: string;
  notes?: string | null;
  tags?: string[];
  strategy?: string | null;
  category?: string | null;
}

export interface DataQualityOut {
  unmatchedExits: UnmatchedExit[];
  expiredContracts: ExpiredContract[];
  orphanedAnnotations: OrphanedAnnotation[];
  counts: Record<string, number>;
}

export interface OpeningLotRequest {
  symbol: string;
  exchange: "NSE" | "BSE";
  quantity: number;
  averagePrice: string;
  acquiredOn: string;
  accountId: string;
}

export interface SettlementRequest {
  exchange: string;
  underlying: string;
  expiry: string;
  price: string;
}

// Uploaded imports (POST /v1/imports/uploads → PUT → POST …/start → GET /v1/imports/{id}; docs/imports.md)
export interface UploadTicket {
  importId: string;
  uploadUrl: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresIn: number;
  maxBytes: number;
  startUrl: string;
}

export type ImportState = "awaiting_upload" | "queued" | "running" | "succeeded" | "failed";

export interface ImportStatus {
  importId: string;
  state: ImportState;
  format: ImportFormat;
  accountId: string;
  rowsDone: number;
  imported: number;
  duplicates: number;
  rejected: { line: number; reason: string }[];
  rejectedCount: number;
  instruments: number;
  phase: "storing" | "recomputing" | null;
  pairsDone: number;
  unmatchedExits: number;
  unmatchedUnits: number;
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

// Screenshots on trades (/v1/attachments/...; docs/attachments.md)
export type AttachmentStatus = "awaiting_upload" | "processing" | "ready" | "rejected";

export interface AttachmentOut {
  attachmentId: string;
  tradeId: string;
  status: AttachmentStatus;
  fileName: string | null;
  /** told by the bytes, once ready */
  contentType: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  thumbnailWidth: number | null;
  thumbnailHeight: number | null;
  createdAt: string;
  readyAt: string | null;
  /** presigned GETs of the cleaned image and its JPEG thumbnail, once ready, until expiresAt */
  url: string | null;
  thumbnailUrl: string | null;
  expiresAt: string | null;
  /** why the upload was rejected */
  error: string | null;
}

/** An S3 presigned POST: `fields` then the file (form field `file`), multipart, to `url`. */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
}

export interface AttachmentUpload {
  attachment: AttachmentOut;
  upload: UploadForm;
}

export interface AttachmentList {
  items: AttachmentOut[];
  /** how many screenshots a trade may have */
  limit: number;
}

// Reports (POST /v1/reports → GET /v1/reports/{reportId}; docs/reports.md)
export type ReportKind = "trade_history" | "tax_pnl" | "monthly_statement";
export type ReportFormat = "csv" | "xlsx" | "pdf";
export type ReportStatus = "queued" | "running" | "ready" | "failed";

export interface ReportRequest {
  kind: ReportKind;
  /** a financial year "2024-25", or a month "2025-06" for a monthly statement */
  period: string;
  format: ReportFormat;
}

export interface ReportOut extends ReportRequest {
  reportId: string;
  status: ReportStatus;
  fileName: string;
  createdAt: string;
  readyAt: string | null;
  size: number | null;
  /** presigned GET of the file once ready, valid until expiresAt (300 s by default) */
  downloadUrl: string | null;
  expiresAt: string | null;
  error: string | null;
}

// Paper trading (/v1/paper/...; docs/paper.md, tradetrack/paper/models.py). Every field of the
// API's schema is here, so a field the API adds (order types, products, validity) is added once.
export const PAPER_SIDES = ["BUY", "SELL"] as const;
export const PAPER_ORDER_TYPES = ["MARKET", "LIMIT", "SL", "SL-M"] as const;
export const PAPER_PRODUCTS = ["CNC", "MIS"] as const;
export const PAPER_VALIDITIES = ["DAY", "IOC"] as const;
export const PAPER_EXCHANGES = ["NSE", "BSE"] as const;
export type PaperSide = (typeof PAPER_SIDES)[number];
export type PaperOrderType = (typeof PAPER_ORDER_TYPES)[number];
export type PaperProduct = (typeof PAPER_PRODUCTS)[number];
export type PaperValidity = (typeof PAPER_VALIDITIES)[number];
export type PaperExchange = (typeof PAPER_EXCHANGES)[number];
export type PaperOrderState = "pending" | "partially_executed" | "executed" | "canceled" | "expired" | "rejected";

export interface PaperBalance {
  available: string;
  /** funds locked for pending buys */
  held: string;
  /** available + held */
  total: string;
}

export interface PaperAccountIn {
  name: string;
  startingBalance: string;
}

export interface PaperAccount {
  accountId: string;
  name: string;
  status: "open" | "closed";
  startingBalance: string;
  balance: PaperBalance;
  /** grows with every change of the balance; a paper_balance frame with a lower version is older */
  balanceVersion?: number;
  createdAt: string;
}

export interface PaperOrderIn {
  symbol: string;
  exchange: PaperExchange;
  side: PaperSide;
  type: PaperOrderType;
  quantity: number;
  /** the limit price: required for LIMIT and SL, absent for MARKET and SL-M */
  price?: string;
  /** SL and SL-M: the price that triggers the order (a buy when the price rises to it, a sell when it falls to it) */
  triggerPrice?: string;
  /** CNC: delivery; MIS: intraday on margin, squared off at 15:20 IST */
  product: PaperProduct;
  /** DAY: rests until the close; IOC: fills what the quote allows now, the rest is canceled */
  validity: PaperValidity;
}

export interface PaperFill {
  seq: number;
  quantity: number;
  price: string;
  charges: string;
  at: string;
  executionId: string;
}

export interface PaperTransition {
  state: PaperOrderState;
  at: string;
  reason?: string | null;
  /** a fill's quantity (executed, partially_executed) */
  quantity?: number | null;
}

export interface PaperOrder {
  orderId: string;
  accountId: string;
  symbol: string;
  exchange: string;
  side: PaperSide;
  type: PaperOrderType;
  quantity: number;
  price: string | null;
  triggerPrice?: string | null;
  /** SL and SL-M: when the trigger was reached */
  triggeredAt?: string | null;
  filledQuantity?: number;
  product: PaperProduct;
  validity: PaperValidity;
  state: PaperOrderState;
  /** funds this order holds now (pending buys) */
  held: string;
  expiresAt?: string | null;
  fills: PaperFill[];
  history: PaperTransition[];
  createdAt: string;
}

export interface PaperHolding {
  symbol: string;
  exchange: string;
  product?: PaperProduct;
  quantity: number;
  /** quantity not reserved by pending sells */
  free: number;
  lastPrice: string | null;
}

export interface PaperPortfolio {
  accountId: string;
  balance: PaperBalance;
  balanceVersion?: number;
  holdings: PaperHolding[];
}

// Risk limits and violations (/v1/risk/...; docs/risk.md, tradetrack/risk/models.py). Money is a
// decimal string of at most 4 places; a null field sets no limit (on an account: the user's applies).
export const RISK_EXCHANGES = ["NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX"] as const;
export type RiskExchange = (typeof RISK_EXCHANGES)[number];
export const RISK_RULES = [
  "max_loss_per_day",
  "max_order_value",
  "max_position_value",
  "max_open_positions",
  "max_quantity_per_order",
  "allowed_exchanges",
  "allowed_instruments",
] as const;
export type RiskRule = (typeof RISK_RULES)[number];

/** PUT /v1/risk/limits and /v1/risk/accounts/{accountId}/limits: the scope's limits, replaced whole. */
export interface RiskLimitsIn {
  maxLossPerDay: string | null;
  maxOrderValue: string | null;
  maxPositionValue: string | null;
  maxOpenPositions: number | null;
  maxQuantityPerOrder: number | null;
  allowedExchanges: RiskExchange[] | null;
  allowedInstruments: string[] | null;
}

export interface RiskLimits extends Omit<RiskLimitsIn, "allowedExchanges"> {
  scope: "user" | "account" | "effective";
  accountId: string | null;
  allowedExchanges: string[] | null;
  /** null: never set */
  updatedAt: string | null;
}

export interface AccountRiskLimits {
  accountId: string;
  /** the account's own limits */
  account: RiskLimits;
  /** the user's, which apply where the account sets none */
  user: RiskLimits;
  /** what the checks and the monitor use */
  effective: RiskLimits;
}

export interface RiskViolation {
  violationId: string;
  accountId: string;
  rule: RiskRule;
  /** IST trading day: one violation per rule, account and day */
  day: string;
  message: string;
  /** what was measured: INR, or a count of positions */
  value: string | null;
  limit: string | null;
  dayPnl: string;
  exposure: string;
  squaredOff: boolean;
  createdAt: string;
}

export interface RiskViolationPage {
  items: RiskViolation[];
  nextCursor: string | null;
}
