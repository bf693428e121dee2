// The frames the WebSocket API pushes (docs/websocket.md), as this app reads them.
import { PAPER_SIDES, type PaperOrderState, type PaperSide } from "../api/types";

export interface AlertFrame {
  type: "alert";
  alertId: string;
  symbol: string;
  message: string;
}

export interface SyncFrame {
  type: "sync";
  accountId: string;
  status: "success" | "error" | "needs_login";
  broker?: string;
  syncId?: string;
  fetched?: number;
  sent?: number;
}

export interface TradeFrame {
  type: "trade";
  tradeId: string;
  symbol: string;
  status: string;
}

export interface NotificationFrame {
  type: "notification";
  notificationId: string;
  notificationType: string;
  title: string;
  message: string;
  /** A `risk_violation`'s own fields (docs/websocket.md): present on frames of this release on. */
  violation?: RiskViolationFields;
}

/** What a `risk_violation` notification frame says beside its words: the violation, its account and
 * rule, the IST day, what was measured against the limit (INR or a count, as strings), whether the
 * paper account was squared off. */
export interface RiskViolationFields {
  violationId: string;
  accountId: string;
  rule: string;
  day?: string;
  value?: string;
  limit?: string;
  squaredOff: boolean;
}

export interface TradesFrame {
  type: "trades";
  source: string;
  tradeIds: string[];
  more: number;
}

/** A requested report is ready (the notifier's `report_ready` event; docs/reports.md). */
export interface ReportFrame {
  type: "report";
  reportId: string;
  status: "ready";
  notificationId?: string;
}

/** A paper order changed state (the notifier's `paper_order` push; docs/websocket.md, docs/paper.md).
 * Frames of this release on name the instrument, side, type, last fill and a rejection's reason, so
 * the toast is worded from the frame; an older frame names the order only and the toast reads it
 * (src/paper/toast.ts). `notificationId` only when it is in the inbox too (placed and partly
 * filled are pushed only, unless the user asks). */
export interface PaperOrderFrame {
  type: "paper_order";
  accountId: string;
  orderId: string;
  event: PaperOrderEvent;
  state: PaperOrderState;
  quantity: number;
  filledQuantity: number;
  notificationId?: string;
  symbol?: string;
  exchange?: string;
  side?: PaperSide;
  orderType?: string;
  product?: string;
  lastFillQuantity?: number;
  lastFillPrice?: string;
  reason?: string;
  at?: string;
}

/** A paper account's balance changed (a hold, a fill, a release, a reset): its figures as now
 * stored, and their version (it grows with every change: a frame with a lower version than what the
 * app read is older than it). Frames before versions carry none. */
export interface PaperBalanceFrame {
  type: "paper_balance";
  accountId: string;
  available: string;
  held: string;
  total: string;
  version?: number;
}

export interface OtherFrame {
  type: "pong" | "quote" | "subscribed" | "unsubscribed" | "error" | "import";
  [field: string]: unknown;
}

export type Frame =
  | AlertFrame
  | SyncFrame
  | TradeFrame
  | NotificationFrame
  | TradesFrame
  | ReportFrame
  | PaperOrderFrame
  | PaperBalanceFrame
  | OtherFrame;

export const PAPER_ORDER_EVENTS = ["placed", "partially_executed", "executed", "canceled", "expired", "rejected"] as const;
export type PaperOrderEvent = (typeof PAPER_ORDER_EVENTS)[number];
const PAPER_ORDER_STATES: readonly PaperOrderState[] = ["pending", "partially_executed", "executed", "canceled", "expired", "rejected"];
const MONEY = /^-?[0-9]{1,15}(\.[0-9]{1,4})?$/; // the API's decimal strings (money_str: 4 places at most)

type Fields = Record<string, unknown>;

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 128;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isMoney(value: unknown): value is string {
  return typeof value === "string" && MONEY.test(value);
}

function oneOf<T extends string>(options: readonly T[], value: unknown): value is T {
  return options.includes(value as T);
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 1000;
}

/** The paper frames are checked field by field (the page writes their figures into what it shows):
 * one whose required fields are malformed is dropped, never half-applied; an optional field that is
 * malformed is left out (the toast then reads the order, as for a frame without it). */
function paperOrderFrame(value: Fields): PaperOrderFrame | null {
  const { accountId, orderId, event, state, quantity, filledQuantity, notificationId } = value;
  if (!isId(accountId) || !isId(orderId) || !oneOf(PAPER_ORDER_EVENTS, event) || !oneOf(PAPER_ORDER_STATES, state)) return null;
  if (!isCount(quantity) || quantity < 1 || !isCount(filledQuantity) || filledQuantity > quantity) return null;
  const frame: PaperOrderFrame = { type: "paper_order", accountId, orderId, event, state, quantity, filledQuantity };
  if (isId(notificationId)) frame.notificationId = notificationId;
  const { symbol, exchange, side, orderType, product, lastFillQuantity, lastFillPrice, reason, at } = value;
  if (isId(symbol)) frame.symbol = symbol;
  if (isId(exchange)) frame.exchange = exchange;
  if (oneOf(PAPER_SIDES, side)) frame.side = side;
  if (isId(orderType)) frame.orderType = orderType;
  if (isId(product)) frame.product = product;
  if (isCount(lastFillQuantity) && lastFillQuantity > 0 && isMoney(lastFillPrice)) {
    frame.lastFillQuantity = lastFillQuantity;
    frame.lastFillPrice = lastFillPrice;
  }
  if (isText(reason)) frame.reason = reason;
  if (isId(at)) frame.at = at;
  return frame;
}

function paperBalanceFrame(value: Fields): PaperBalanceFrame | null {
  const { accountId, available, held, total, version } = value;
  if (!isId(accountId) || !isMoney(available) || !isMoney(held) || !isMoney(total)) return null;
  const frame: PaperBalanceFrame = { type: "paper_balance", accountId, available, held, total };
  if (isCount(version)) frame.version = version;
  return frame;
}

/** A risk violation's fields on its notification frame, when they are all there and well formed. */
function violationOf(value: Fields): RiskViolationFields | undefined {
  const { violationId, accountId, rule, day, value: measured, limit, squaredOff } = value;
  if (!isId(violationId) || !isId(accountId) || !isId(rule)) return undefined;
  const violation: RiskViolationFields = { violationId, accountId, rule, squaredOff: squaredOff === true };
  if (typeof day === "string" && /^\d{4}-\d{2}-\d{2}$/.test(day)) violation.day = day;
  if (isMoney(measured)) violation.value = measured;
  if (isMoney(limit)) violation.limit = limit;
  return violation;
}

/** A pushed frame, or null when the text is not a JSON object with a string `type` (or is a paper
 * frame without its fields). */
export function parseFrame(text: string): Frame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null; // not JSON: ignored
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const fields = value as Fields;
  if (fields.type === "paper_order") return paperOrderFrame(fields);
  if (fields.type === "paper_balance") return paperBalanceFrame(fields);
  if (fields.type === "notification" && fields.notificationType === "risk_violation") {
    const violation = violationOf(fields); // a frame before these fields: none, and the toast says less
    const frame = value as NotificationFrame;
    return violation ? { ...frame, violation } : frame;
  }
  return typeof fields.type === "string" ? (value as Frame) : null;
}

export interface Toast {
  id: string;
  title: string;
  message: string;
  tone: "info" | "good" | "bad";
  /** Stays until dismissed (a fired alert, a login to redo): the trader may be away from the screen. */
  sticky: boolean;
}

/** The toast a frame deserves, or null (quotes, pongs, trades lists, a successful sync). */
export function toastOf(frame: Frame): Omit<Toast, "id"> | null {
  switch (frame.type) {
    case "alert":
      return { title: `Price alert: ${frame.symbol}`, message: frame.message, tone: "info", sticky: true };
    case "sync":
      if (frame.status === "needs_login") {
        return {
          title: "Broker login expired",
          message: "Reconnect the account on the Brokers page.",
          tone: "bad",
          sticky: true,
        };
      }
      if (frame.status === "error") {
        return {
          title: "Broker sync failed",
          message: "See the account's sync logs on the Brokers page.",
          tone: "bad",
          sticky: false,
        };
      }
      return null;
    case "trade":
      return { title: `Trade ${frame.status}: ${frame.symbol}`, message: "Your journal has it.", tone: "good", sticky: false };
    case "notification":
      // a breached risk limit (docs/risk.md) stays until dismissed: the trader should act on it
      if (frame.notificationType === "risk_violation") return { title: frame.title, message: frame.message, tone: "bad", sticky: true };
      return { title: frame.title, message: frame.message, tone: "info", sticky: false };
    case "report":
      return { title: "Your report is ready", message: "Download it from the Reports page.", tone: "good", sticky: false };
    default:
      return null;
  }
}
