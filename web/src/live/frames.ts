// The frames the WebSocket API pushes (docs/websocket.md), as this app reads them.

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

export interface OtherFrame {
  type: "pong" | "quote" | "subscribed" | "unsubscribed" | "error" | "import";
  [field: string]: unknown;
}

export type Frame = AlertFrame | SyncFrame | TradeFrame | NotificationFrame | TradesFrame | ReportFrame | OtherFrame;

/** A pushed frame, or null when the text is not a JSON object with a string `type`. */
export function parseFrame(text: string): Frame | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string") {
      return value as Frame;
    }
  } catch {
    // not JSON: ignored
  }
  return null;
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
      return { title: frame.title, message: frame.message, tone: "info", sticky: false };
    case "report":
      return { title: "Your report is ready", message: "Download it from the Reports page.", tone: "good", sticky: false };
    default:
      return null;
  }
}
