// The frames the WebSocket API pushes (docs/websocket.md), as this app reads them.
import type { PaperOrderState } from "../api/types";

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
 * It names the order, not its symbol or reason: the toast reads the order (src/paper/toast.ts). */
export interface PaperOrderFrame {
  type: "paper_order";
  accountId: string;
  orderId: string;
  event: PaperOrderEvent;
  state: PaperOrderState;
  quantity: number;
  filledQuantity: number;
  notificationId?: string;
}

/** A paper account's balance changed (a hold, a fill, a release): its figures as now stored. */
export interface PaperBalanceFrame {
  type: "paper_balance";
  accountId: string;
  available: string;
  held: string;
  total: string;
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

/** The paper frames are checked field by field (the page writes their figures into what it shows):
 * one that is malformed is dropped, never half-applied. */
function paperOrderFrame(value: Fields): PaperOrderFrame | null {
  const { accountId, orderId, event, state, quantity, filledQuantity, notificationId } = value;
  if (!isId(accountId) || !isId(orderId) || !oneOf(PAPER_ORDER_EVENTS, event) || !oneOf(PAPER_ORDER_STATES, state)) return null;
  if (!isCount(quantity) || quantity < 1 || !isCount(filledQuantity) || filledQuantity > quantity) return null;
  const frame: PaperOrderFrame = { type: "paper_order", accountId, orderId, event, state, quantity, filledQuantity };
  if (isId(notificationId)) frame.notificationId = notificationId;
  return frame;
}

function paperBalanceFrame(value: Fields): PaperBalanceFrame | null {
  const { accountId, available, held, total } = value;
  if (!isId(accountId) || !isMoney(available) || !isMoney(held) || !isMoney(total)) return null;
  return { type: "paper_balance", accountId, available, held, total };
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
